import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_FLAGS } from '../test/support/node-flags';
import { BUILD_DIR } from './baselines-build';
import { BenchDatabase, DbSampler } from './database';
import { LoadBotApi } from './load-bot-api';
import type { BenchOptions } from './options';
import { readProc, type ProcSample } from './process-stats';
import { ReplyTracker } from './reply-tracker';
import { UpdateStream } from './update-stream';

export type BotName = 'ours' | 'stock' | 'telegraf' | 'grammy';

/** A bot the bench can run: our service or one of the baselines. */
export interface BotSpec {
  name: BotName;
  label: string;
  /** Entry script, relative to the repository root. */
  script: string;
  /** Writes to the database (needs one, and has rows to count). */
  storage: boolean;
}

export const BOTS: Record<BotName, BotSpec> = {
  ours: { name: 'ours', label: 'this service', script: 'dist/main.js', storage: true },
  stock: {
    name: 'stock',
    label: 'stock nestjs-telegraf + TypeORM',
    script: join(BUILD_DIR, 'baselines/stock/stock.main.js'),
    storage: true,
  },
  telegraf: {
    name: 'telegraf',
    label: 'bare Telegraf echo',
    script: join(BUILD_DIR, 'baselines/telegraf-echo.js'),
    storage: false,
  },
  grammy: {
    name: 'grammy',
    label: 'bare grammY + runner echo',
    script: join(BUILD_DIR, 'baselines/grammy-echo.js'),
    storage: false,
  },
};

export const ROOT = resolve(__dirname, '..');
const TOKEN = '424242:BENCH-token-abcdefghijklmnopqrstuvwxyz012';
const LOG_DIR = join(tmpdir(), 'bot-bench-logs');

/** Settings of one run that differ by profile. */
export interface RunSettings {
  profile: string;
  /** High rate and outbound limits for throughput profiles; defaults for idle. */
  unthrottled: boolean;
  expectedUpdates: number;
}

/**
 * One bot under test for one profile: its own fake Bot API, its own database (dropped at the end),
 * the child process, and the samplers around it.
 */
export class BotRun {
  /** Runs whose child may still be alive (killed on Ctrl-C). */
  static readonly live = new Set<BotRun>();
  readonly stream: UpdateStream;
  readonly tracker: ReplyTracker;
  readonly api: LoadBotApi;
  readonly logFile: string;
  db: BenchDatabase | undefined;
  sampler: DbSampler | undefined;
  port = 0;
  child: ChildProcess | undefined;
  private dataDir: string | undefined;
  private exited: Promise<number | null> | undefined;
  cpuProfilePath: string | undefined;

  constructor(
    readonly bot: BotSpec,
    private readonly options: BenchOptions,
    private readonly settings: RunSettings,
  ) {
    this.stream = new UpdateStream(Math.max(1024, settings.expectedUpdates + 16));
    this.tracker = new ReplyTracker(this.stream);
    this.api = new LoadBotApi(
      TOKEN,
      this.stream,
      this.tracker,
      options.flood ? { globalPerSecond: 30, chatPerSecond: 1 } : null,
    );
    mkdirSync(LOG_DIR, { recursive: true });
    this.logFile = join(LOG_DIR, `${settings.profile}-${bot.name}.log`);
  }

  get applicationName(): string {
    return `bench-${this.bot.name}`;
  }

  get embedded(): boolean {
    return this.options.embedded && this.bot.name === 'ours';
  }

  /** Starts fake API, database and child; resolves once the bot polls for the first time. */
  async start(): Promise<void> {
    const apiRoot = await this.api.start();
    if (this.bot.storage && !this.embedded) {
      this.db = await BenchDatabase.create(this.options.adminUrl);
      this.sampler = new DbSampler(this.options.adminUrl, this.applicationName, this.db.name);
      await this.sampler.start();
    }
    // Our service keeps its write-ahead journal (and PGlite, when embedded) under DATA_DIR: a
    // private temporary directory per run, never ./data of a developer's own instance.
    if (this.bot.name === 'ours') this.dataDir = mkdtempSync(join(tmpdir(), 'bot-bench-data-'));
    this.port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      // Every bot gets the malloc setting of our Docker image (see the Dockerfile): a property of
      // the machine's C library, not of any bot's code.
      MALLOC_ARENA_MAX: '2',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: apiRoot,
      DB_APPLICATION_NAME: this.applicationName,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      POLLING_TIMEOUT: '30',
      ...(this.db ? { DATABASE_URL: this.db.url } : {}),
      ...(this.dataDir ? { DATA_DIR: this.dataDir } : {}),
      ...(this.settings.unthrottled
        ? {
            RATE_LIMIT: '1000000',
            OUTBOUND_CHAT_PER_SECOND: '100000',
            OUTBOUND_GLOBAL_PER_SECOND: '100000',
          }
        : {}),
      ...this.options.extraEnv,
    };
    // Ours runs with production's node flags, so the bench measures what production runs.
    const nodeArgs: string[] = this.bot.name === 'ours' ? [...NODE_FLAGS] : [];
    if (this.options.cpuProf) {
      this.cpuProfilePath = join(
        this.options.resultsDir,
        'profiles',
        `${this.settings.profile}-${this.bot.name}.cpuprofile`,
      );
      mkdirSync(join(this.options.resultsDir, 'profiles'), { recursive: true });
      rmSync(this.cpuProfilePath, { force: true });
      env.BENCH_CPU_PROFILE = this.cpuProfilePath;
      nodeArgs.push('-r', join(BUILD_DIR, 'hooks/cpu-profile.hook.js'));
    }
    if (this.options.heapSnapshot && this.bot.name === 'ours') {
      nodeArgs.push(
        `--diagnostic-dir=${join(this.options.resultsDir, 'profiles')}`,
        '--heapsnapshot-signal=SIGURG',
      );
      mkdirSync(join(this.options.resultsDir, 'profiles'), { recursive: true });
    }
    BotRun.live.add(this);
    const log = openSync(this.logFile, 'w');
    const script = this.bot.name === 'ours' ? this.options.service : this.bot.script;
    this.child = spawn(process.execPath, [...nodeArgs, script], {
      cwd: ROOT,
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.exited = new Promise((resolveExit) =>
      this.child!.once('exit', (code) => resolveExit(code)),
    );
    const failed = this.exited.then((code) => {
      throw new Error(
        `${this.bot.name} exited (code ${code}) before polling; log ${this.logFile}:\n${this.logTail()}`,
      );
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${this.bot.name} did not poll within 60 s; log ${this.logFile}`)),
        60_000,
      ).unref(),
    );
    await Promise.race([this.api.firstPoll, failed, timeout]);
    failed.catch(() => undefined);
  }

  proc(): ProcSample | null {
    return this.child?.pid ? readProc(this.child.pid) : null;
  }

  /** GET /bot-optimization on our service (null for baselines or on error). */
  async botOptimization(): Promise<any> {
    if (this.bot.name !== 'ours') return null;
    return getJson(`http://127.0.0.1:${this.port}/bot-optimization`);
  }

  async performance(): Promise<any> {
    if (this.bot.name !== 'ours') return null;
    return getJson(`http://127.0.0.1:${this.port}/performance`);
  }

  /** Starts the CPU profiler in the child (when enabled): profiles cover the measured phase only. */
  startCpuProfile(): void {
    if (this.cpuProfilePath && this.child?.pid && !this.profiling) {
      this.profiling = true;
      this.child.kill('SIGWINCH');
    }
  }

  private profiling = false;

  /** Writes a CPU profile (when enabled) and waits until it is on disk. */
  async dumpCpuProfile(): Promise<string | undefined> {
    if (!this.cpuProfilePath || !this.child?.pid || !this.profiling) return undefined;
    this.profiling = false;
    this.child.kill('SIGWINCH');
    for (let i = 0; i < 100 && !existsSync(this.cpuProfilePath); i++) await sleep(100);
    return existsSync(this.cpuProfilePath) ? this.cpuProfilePath : undefined;
  }

  /** Takes a heap snapshot (when enabled); the file lands in results/profiles. */
  async heapSnapshot(): Promise<void> {
    if (!this.options.heapSnapshot || !this.child?.pid) return;
    this.child.kill('SIGURG');
    await sleep(3000);
  }

  /** SIGTERM, then SIGKILL after 30 s. Returns the exit code and how long shutdown took. */
  async stop(): Promise<{ code: number | null; ms: number }> {
    const started = performance.now();
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) {
      return { code: this.child?.exitCode ?? null, ms: 0 };
    }
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), 30_000);
    const code = await this.exited!;
    clearTimeout(killer);
    return { code, ms: Math.round(performance.now() - started) };
  }

  /** Rows in the bot's tables after it stopped (null for bots without storage). */
  async rowsStored(): Promise<{ messages: number; users: number } | null> {
    if (!this.bot.storage) return null;
    const schema = this.bot.name === 'stock' ? 'stock.' : '';
    const sql = `SELECT (SELECT count(*) FROM ${schema}messages) AS messages, (SELECT count(*) FROM ${schema}users) AS users`;
    try {
      if (this.db) {
        const [row] = await this.db.queryOnce<{ messages: string; users: string }>(sql);
        return { messages: Number(row.messages), users: Number(row.users) };
      }
      if (this.embedded && this.dataDir) {
        const { PGlite } = await import('@electric-sql/pglite');
        const pg = new PGlite(join(this.dataDir, 'pglite'));
        const { rows } = await pg.query<{ messages: number; users: number }>(sql);
        await pg.close();
        return { messages: Number(rows[0].messages), users: Number(rows[0].users) };
      }
    } catch (error) {
      process.stderr.write(`  (could not count rows: ${(error as Error).message})\n`);
    }
    return null;
  }

  /** Stops samplers and the fake API, drops the database, removes the embedded data. */
  async cleanup(): Promise<void> {
    BotRun.live.delete(this);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
    await this.sampler?.stop().catch(() => undefined);
    await this.api.stop();
    await this.db
      ?.drop()
      .catch((error: unknown) => process.stderr.write(`  (drop failed: ${String(error)})\n`));
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function getJson(url: string): Promise<any> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
