import { Counter, Gauge, type Registry } from 'prom-client';

/** Cache counters, read by /bot-optimization and scraped by Prometheus. */
export class CacheMetrics {
  readonly hits: Counter;
  readonly misses: Counter;

  constructor(registry: Registry, entries: () => number) {
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
}
