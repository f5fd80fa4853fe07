import { BotRun, type BotSpec, sleep } from './bots';
import type { BenchOptions, ProfileName } from './options';
import type { LatencySummary } from './reply-tracker';
import type { UpdateKind } from './update-stream';

/** What one bot did in one profile; `null` where a figure does not apply to that bot. */
export interface RunResult {
  profile: ProfileName;
  bot: BotSpec['name'];
  label: string;
  ok: boolean;
  error?: string;
  /** Updates made available during the measured phase. */
  sent: number;
  /** Replies matched to measured updates. */
  replied: number;
  /** Updates the bot confirmed through its getUpdates offset (whole run). */
  accepted: number;
  /** Seconds from the first measured update to its last reply. */
  durationSec: number | null;
  msgPerSec: number | null;
  latency: LatencySummary | null;
  peakRssMb: number | null;
  endRssMb: number | null;
  cpuSeconds: number | null;
  cpuPercent: number | null;
  dbPeakConnections: number | null;
  dbIdleConnections: number | null;
  xacts: number | null;
  xactPer1000: number | null;
  rowsStored: { messages: number; users: number } | null;
  apiCalls: Record<string, number>;
  shutdownMs: number | null;
  exitCode: number | null;
  extra: Record<string, number | string | null>;
  /** Which round this run was (1-based), when its profile ran several. */
  round?: number;
  /** For the median run of several rounds: how many, and the range of the figure ranked by. */
  rounds?: { count: number; min: number; max: number };
  /** Our service's /bot-optimization and /performance at the end of the run (null for baselines). */
  service?: any;
  performance?: any;
}

/** Baseline readings taken when the measured phase begins (again after a warm-up). */
export interface Mark {
  at: number;
  /** The bench process's own CPU (fake Bot API and load generator), microseconds. */
  benchCpu: NodeJS.CpuUsage;
  cpuSeconds: number;
  systemSeconds: number;
  xacts: number | null;
  optimization: any;
}

/** What a profile's driver hands to the harness. */
export interface DriveResult {
  sent: number;
  expectedReplies: number;
  /** When the measured load started (performance.now()). */
  startedAt: number;
  extra?: Record<string, number | string | null>;
  /** Called after the tail, with the final /bot-optimization (ours) and the mark. */
  finish?: (final: {
    optimization: any;
    xacts: number | null;
    mark: Mark;
  }) => Record<string, number | string | null>;
}

export type Driver = (run: BotRun, mark: () => Promise<Mark>) => Promise<DriveResult>;

const SETTLE_MS = 1500;
const TAIL_MS = 3000;
// PostgreSQL publishes a backend's transaction counts at most once a second and when it exits.
const STATS_SETTLE_MS = 1200;

/** A run with nothing measured yet: every figure null until the run fills it in. */
export function emptyRunResult(
  profile: ProfileName,
  bot: BotSpec['name'],
  label: string,
): RunResult {
  return {
    profile,
    bot,
    label,
    ok: false,
    sent: 0,
    replied: 0,
    accepted: 0,
    durationSec: null,
    msgPerSec: null,
    latency: null,
    peakRssMb: null,
    endRssMb: null,
    cpuSeconds: null,
    cpuPercent: null,
    dbPeakConnections: null,
    dbIdleConnections: null,
    xacts: null,
    xactPer1000: null,
    rowsStored: null,
    apiCalls: {},
    shutdownMs: null,
    exitCode: null,
    extra: {},
  };
}

/** Runs one bot through one profile: start, settle, mark, drive, tail, stop, count, clean up. */
export async function runProfile(
  profile: ProfileName,
  bot: BotSpec,
  options: BenchOptions,
  expectedUpdates: number,
  drive: Driver,
): Promise<RunResult> {
  const run = new BotRun(bot, options, {
    profile,
    unthrottled: profile !== 'idle',
    expectedUpdates,
  });
  const result = emptyRunResult(profile, bot.name, bot.label);
  try {
    await run.start();
    await sleep(SETTLE_MS);
    let current: Mark | undefined;
    const mark = async (): Promise<Mark> => {
      if (run.sampler) await sleep(STATS_SETTLE_MS);
      run.sampler?.resetPeak();
      run.startCpuProfile();
      current = {
        at: performance.now(),
        benchCpu: process.cpuUsage(),
        cpuSeconds: run.proc()?.cpuSeconds ?? 0,
        systemSeconds: run.proc()?.systemSeconds ?? 0,
        xacts: run.sampler ? await run.sampler.xacts() : null,
        optimization: await run.botOptimization(),
      };
      return current;
    };
    await mark();
    const driven = await drive(run, mark);
    const m = current!;
    const lastReply = run.tracker.lastReplyAt;
    const endAt = performance.now();
    const benchCpu = process.cpuUsage(m.benchCpu);
    result.sent = driven.sent;
    result.replied = run.tracker.measured;
    result.latency = run.tracker.percentiles();
    if (lastReply > driven.startedAt && result.replied > 0) {
      result.durationSec = round((lastReply - driven.startedAt) / 1000);
      result.msgPerSec = round(result.replied / result.durationSec);
    }
    result.dbPeakConnections = run.sampler ? run.sampler.peak : null;
    await sleep(TAIL_MS);
    const tailStart = performance.now() - 1000;
    result.dbIdleConnections = run.sampler ? run.sampler.maxSince(tailStart) : null;
    const proc = run.proc();
    if (proc) {
      result.peakRssMb = round(proc.peakRssBytes / 2 ** 20);
      result.endRssMb = round(proc.rssBytes / 2 ** 20);
      result.cpuSeconds = round(proc.cpuSeconds - m.cpuSeconds);
      result.cpuPercent = round(
        ((proc.cpuSeconds - m.cpuSeconds) / ((endAt - m.at) / 1000)) * 100,
        3,
      );
    }
    const optimization = await run.botOptimization();
    result.service = optimization;
    result.performance = await run.performance();
    await run.dumpCpuProfile();
    await run.heapSnapshot();
    const stopped = await run.stop();
    result.shutdownMs = stopped.ms;
    result.exitCode = stopped.code;
    if (run.sampler) {
      await sleep(STATS_SETTLE_MS);
      const xacts = await run.sampler.xacts();
      result.xacts = xacts - m.xacts!;
      if (result.replied > 0) result.xactPer1000 = round((result.xacts / result.replied) * 1000);
    }
    result.accepted = run.stream.confirmed;
    result.rowsStored = await run.rowsStored();
    result.apiCalls = Object.fromEntries([...run.api.calls].sort((a, b) => b[1] - a[1]));
    result.extra = {
      ...driven.extra,
      ...(driven.finish?.({ optimization, xacts: result.xacts, mark: m }) ?? {}),
      benchCpuSeconds: round((benchCpu.user + benchCpu.system) / 1e6),
      ...(proc ? { cpuSystemSeconds: round(proc.systemSeconds - m.systemSeconds) } : {}),
      unmatchedReplies: run.tracker.unmatched,
      unanswered: run.tracker.outstanding,
      ...(run.api.floodRejected ? { flood429: run.api.floodRejected } : {}),
    };
    result.ok = result.replied >= driven.expectedReplies;
    if (!result.ok)
      result.error = `${driven.expectedReplies - result.replied} of ${driven.expectedReplies} replies missing`;
  } catch (error) {
    result.error = (error as Error).message;
    process.stderr.write(`  ${bot.name}: ${result.error}\n${run.logTail()}\n`);
  } finally {
    await run.cleanup();
  }
  return result;
}

/** Releases updates open-loop at `rate` per second: each becomes available at its due time. */
export function openLoop(
  run: BotRun,
  rate: number,
  seconds: number,
  users: number,
  kindOf: (n: number) => UpdateKind,
  onTick?: (elapsedSec: number) => void,
): Promise<{ sent: number; startedAt: number }> {
  const total = Math.round(rate * seconds);
  const startedAt = performance.now();
  let n = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - startedAt) / 1000) * rate));
      for (; n < due; n++) run.tracker.expect(run.stream.push(kindOf(n), n % users, now));
      onTick?.((now - startedAt) / 1000);
      if (n >= total) {
        clearInterval(timer);
        resolve({ sent: total, startedAt });
      }
    }, 2);
  });
}

/** Waits until `count` measured replies arrived, or nothing moved for `stallMs`. */
export async function waitForReplies(run: BotRun, count: number, stallMs = 20_000): Promise<void> {
  let last = run.tracker.measured;
  let lastMove = performance.now();
  while (run.tracker.measured < count) {
    await sleep(20);
    if (run.tracker.measured !== last) {
      last = run.tracker.measured;
      lastMove = performance.now();
    } else if (performance.now() - lastMove > stallMs) {
      return;
    }
    if (run.child?.exitCode !== null && run.child?.exitCode !== undefined) return;
  }
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
