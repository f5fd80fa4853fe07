import { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { withDbRetry } from '../database/db-retry';
import { serializeSession, type SessionData, type SessionStoreMethods } from './session-value';

/** Runs one parameterised statement (a DataSource's `query`). */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<any>;

interface Held {
  json: string;
  expiresAt: number;
}

const LOAD_SQL = `SELECT key, data, expires_at FROM bot_sessions WHERE expires_at > now()`;
const UPSERT_SQL = `INSERT INTO bot_sessions (key, data, expires_at) VALUES ($1, $2::jsonb, $3)
ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`;
const DELETE_SQL = `DELETE FROM bot_sessions WHERE key = $1`;
const SWEEP_SQL = `DELETE FROM bot_sessions WHERE expires_at <= now()`;

/**
 * Sessions in PostgreSQL (`bot_sessions`), written through, for a single process: it holds every
 * live session in memory (loaded at boot), because then a read costs no query at all and only a
 * change is written. That is only correct while this process is the table's only writer, so
 * several replicas need REDIS_URL (RedisSessionStore). Sessions are small state (a wizard's step
 * and answers), so holding them costs about as much as the users' language choices.
 */
export class PostgresSessionStore implements SessionStoreMethods {
  private readonly logger = new Logger(PostgresSessionStore.name);
  private held = new Map<string, Held>();

  constructor(
    private readonly run: SqlRunner,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads every live session; boot fails if it cannot (a guess would resurrect deleted ones). */
  async load(): Promise<void> {
    const rows: { key: string; data: unknown; expires_at: Date | string }[] = await withDbRetry(
      () => this.run(LOAD_SQL),
      { label: 'load sessions' },
    );
    const held = new Map<string, Held>();
    for (const row of rows) {
      const json = serializeSession(row.data);
      if (json !== null) held.set(row.key, { json, expiresAt: new Date(row.expires_at).getTime() });
    }
    this.held = held;
  }

  get(key: string): SessionData | undefined {
    const held = this.held.get(key);
    if (!held) return undefined;
    if (held.expiresAt <= this.now()) {
      // Its row is removed by the next sweep; until then the boot load skips it too.
      this.held.delete(key);
      return undefined;
    }
    // A fresh object each time: Telegraf mutates the session in place.
    return JSON.parse(held.json) as SessionData;
  }

  /**
   * Writes only a changed value, or an unchanged one whose expiry is more than half gone, so a
   * session in use keeps living while a session only read costs nothing.
   */
  async set(key: string, value: SessionData): Promise<void> {
    const json = serializeSession(value);
    if (json === null) return this.delete(key);
    const now = this.now();
    const held = this.held.get(key);
    if (held && held.json === json && held.expiresAt - now > this.ttlMs / 2) return;
    const expiresAt = now + this.ttlMs;
    await withDbRetry(() => this.run(UPSERT_SQL, [key, json, new Date(expiresAt)]), {
      label: 'store session',
    });
    this.held.set(key, { json, expiresAt });
  }

  async delete(key: string): Promise<void> {
    if (!this.held.has(key)) return;
    await withDbRetry(() => this.run(DELETE_SQL, [key]), { label: 'delete session' });
    this.held.delete(key);
  }

  /** Deletes expired sessions (memory and rows). Never rejects: the next sweep retries. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const [key, held] of this.held) if (held.expiresAt <= now) this.held.delete(key);
    try {
      await this.run(SWEEP_SQL);
    } catch (error) {
      this.logger.warn(`expired sessions not deleted, retrying later: ${errorMessage(error)}`);
    }
  }
}
