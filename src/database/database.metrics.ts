import { Gauge, type Registry } from 'prom-client';

/** What the database gauges read at scrape time. */
export interface DatabaseProbe {
  /** Round-trip latency in ms, or null when the database does not answer (must not throw). */
  latencyMs(): Promise<number | null>;
  lastErrorAt(): Date | null;
}

// Several gauges (and several scrapers) share one ping instead of each opening a connection.
const PING_REUSE_MS = 5000;

/**
 * Database gauges for Prometheus, computed when scraped: an idle bot without a scraper opens no
 * connection for them, and a null pool has no pool state worth exporting.
 */
export class DatabaseMetrics {
  private lastPing: { at: number; result: Promise<number | null> } | null = null;

  constructor(registry: Registry, probe: DatabaseProbe) {
    const ping = () => {
      const now = Date.now();
      if (!this.lastPing || now - this.lastPing.at > PING_REUSE_MS) {
        this.lastPing = { at: now, result: probe.latencyMs() };
      }
      return this.lastPing.result;
    };
    new Gauge({
      name: 'telegram_bot_db_up',
      help: '1 when the database answered a ping at scrape time, else 0',
      registers: [registry],
      async collect() {
        this.set((await ping()) === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'telegram_bot_db_ping_seconds',
      help: 'Round-trip time of SELECT 1 at scrape time (-1 when the database did not answer)',
      registers: [registry],
      async collect() {
        const ms = await ping();
        this.set(ms === null ? -1 : ms / 1000);
      },
    });
    new Gauge({
      name: 'telegram_bot_db_last_error_timestamp_seconds',
      help: 'Unix time of the last failed database ping or status query (0 when none)',
      registers: [registry],
      collect() {
        this.set((probe.lastErrorAt()?.getTime() ?? 0) / 1000);
      },
    });
  }
}
