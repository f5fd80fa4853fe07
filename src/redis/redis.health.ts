import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Registry } from 'prom-client';
import { cacheConfig, type CacheConfig } from '../config/app.config';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { RedisConnection } from './redis-connection';
import { RedisMetrics } from './redis.metrics';

/**
 * The state of every Redis connection, for /health/ready details, /bot-optimization and /metrics.
 * Redis down never makes the service unready: every user of it fails open (see RedisModule).
 */
@Injectable()
export class RedisHealth {
  private readonly connections: RedisConnection[] = [];
  private readonly metrics: RedisMetrics;
  readonly configured: boolean;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(cacheConfig.KEY) config: CacheConfig,
    @InjectMetricsRegistry() registry: Registry,
  ) {
    this.configured = Boolean(config.redisUrl);
    this.metrics = new RedisMetrics(registry, this.connections);
  }

  /** A tracked connection named for what it serves. */
  connection(name: string): RedisConnection {
    const connection = new RedisConnection(name, this.metrics.errors);
    this.connections.push(connection);
    return connection;
  }

  /** Per connection: up or not, and when it last failed. */
  snapshot() {
    return {
      configured: this.configured,
      connections: Object.fromEntries(
        this.connections.map((c) => [
          c.name,
          { up: c.up, lastErrorAt: c.lastErrorAt?.toISOString() ?? null },
        ]),
      ),
    };
  }

  /** Always "up" (Redis is optional for correctness); `connected` says whether it is reachable now. */
  check(key = 'redis') {
    const connected = this.connections.every((c) => c.up);
    return this.health
      .check(key)
      .up(
        this.configured
          ? { connected, mode: connected ? 'shared' : 'fail-open' }
          : { configured: false },
      );
  }
}
