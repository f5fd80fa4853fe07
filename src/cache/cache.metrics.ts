import { Counter, Gauge, type Registry } from 'prom-client';
import { share, total } from '../metrics/metric-values';

/** What the cache has served, for /bot-optimization and /stats. */
export interface CacheSnapshot {
  hits: number;
  misses: number;
  /** hits / (hits + misses); null before the first read. */
  hitRatio: number | null;
  /** Entries in the in-memory store; null when the cache lives in Redis (not counted cheaply). */
  entries: number | null;
}

/** The read side of the cache's counters. */
export interface CacheStats {
  snapshot(): Promise<CacheSnapshot>;
}

/** Cache counters: scraped by Prometheus and read through snapshot(). */
export class CacheMetrics implements CacheStats {
  readonly hits: Counter;
  readonly misses: Counter;

  /** `entries` answers -1 when the cache is Redis. */
  constructor(
    registry: Registry,
    private readonly entries: () => number,
  ) {
    this.hits = new Counter({
      name: 'telegram_bot_cache_hits_total',
      help: 'Cache reads served from the cache',
      registers: [registry],
    });
    this.misses = new Counter({
      name: 'telegram_bot_cache_misses_total',
      help: 'Cache reads that fell through to the loader',
      registers: [registry],
    });
    new Gauge({
      name: 'telegram_bot_cache_entries',
      help: 'Entries held by the in-memory cache (-1 when the cache is Redis)',
      registers: [registry],
      collect() {
        this.set(entries());
      },
    });
  }

  async snapshot(): Promise<CacheSnapshot> {
    const [hits, misses] = await Promise.all([total(this.hits), total(this.misses)]);
    const entries = this.entries();
    return {
      hits,
      misses,
      hitRatio: share(hits, hits + misses),
      entries: entries >= 0 ? entries : null,
    };
  }
}
