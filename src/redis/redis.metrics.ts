import { Counter, Gauge, type Registry } from 'prom-client';
import type { RedisConnection } from './redis-connection';

/** Redis connection health, read by /bot-optimization and scraped by Prometheus. */
export class RedisMetrics {
  readonly errors: Counter<'connection'>;

  constructor(registry: Registry, connections: readonly RedisConnection[]) {
    this.errors = new Counter({
      name: 'telegram_bot_redis_errors_total',
      help: 'Redis connection errors (each failed reconnect attempt counts)',
      labelNames: ['connection'],
      registers: [registry],
    });
    new Gauge({
      name: 'telegram_bot_redis_up',
      help: 'Whether each Redis connection is up (1) or down (0); absent without REDIS_URL',
      labelNames: ['connection'],
      registers: [registry],
      collect() {
        for (const c of connections) this.set({ connection: c.name }, c.up ? 1 : 0);
      },
    });
  }
}
