import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Admin connection string: the bench creates and drops its databases through it. */
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway database per bot run, created on the local server and dropped afterwards. */
export class BenchDatabase {
  /** Databases created and not dropped yet (dropped on Ctrl-C too). */
  static readonly live = new Set<BenchDatabase>();

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly adminUrl: string,
  ) {}

  static async create(adminUrl: string): Promise<BenchDatabase> {
    const name = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new Client({ connectionString: adminUrl, application_name: 'bench-admin' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = new BenchDatabase(name, url.toString(), adminUrl);
    BenchDatabase.live.add(db);
    return db;
  }

  async drop(): Promise<void> {
    BenchDatabase.live.delete(this);
    const admin = new Client({ connectionString: this.adminUrl, application_name: 'bench-admin' });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }

  /** Runs one query against the bench database itself (after the bot stopped: row counts). */
  async queryOnce<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    const client = new Client({ connectionString: this.url, application_name: 'bench-count' });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }
}

/** Transactions committed or rolled back in one database so far. */
export interface XactSnapshot {
  xacts: number;
}

/**
 * Samples, from the admin database (so its own queries never count against the bench database),
 * the connections a bot holds (pg_stat_activity by application_name) every ~100 ms, and reads
 * transaction counters of the bench database on demand.
 */
export class DbSampler {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  peak = 0;
  last = 0;
  samples = 0;
  /** Connection counts of the last samples, newest last (for the idle reading). */
  private readonly recent: { at: number; count: number }[] = [];

  constructor(
    private readonly adminUrl: string,
    private readonly applicationName: string,
    private readonly databaseName: string,
  ) {}

  async start(intervalMs = 100): Promise<void> {
    this.client = new Client({
      connectionString: this.adminUrl,
      application_name: 'bench-sampler',
    });
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await this.client?.end();
    this.client = undefined;
  }

  /** Forgets the peak so far (boot and migrations are not part of a profile). */
  resetPeak(): void {
    this.peak = this.last;
  }

  /** Highest connection count seen since `since` (performance.now()). */
  maxSince(since: number): number {
    let max = 0;
    for (const s of this.recent) if (s.at >= since && s.count > max) max = s.count;
    return max;
  }

  async xacts(): Promise<number> {
    const { rows } = await this.client!.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [this.databaseName],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const { rows } = await this.client.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
        [this.applicationName],
      );
      const count = Number(rows[0].n);
      this.last = count;
      this.samples++;
      if (count > this.peak) this.peak = count;
      this.recent.push({ at: performance.now(), count });
      if (this.recent.length > 1200) this.recent.splice(0, 600);
    } catch {
      // A missed sample is fine; the next one comes 100 ms later.
    } finally {
      this.busy = false;
    }
  }
}
