import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyvCacheableMemory } from 'cacheable';
import type { Registry } from 'prom-client';
import { withTimeout } from '../common/timeout';
import { cacheConfig, type CacheConfig } from '../config/app.config';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { CacheMetrics, type CacheStats } from './cache.metrics';

/** A cache slower than this is treated as down for that call (a Redis outage must not stall handlers). */
const CACHE_TIMEOUT_MS = 500;

/**
 * Cache-aside reads with hit/miss accounting. Values must be JSON-safe (they may live in Redis).
 * A failing cache never fails the caller: it degrades to the loader.
 */
@Injectable()
export class BotCacheService {
  private readonly logger = new Logger(BotCacheService.name);
  private readonly metrics: CacheMetrics;

  private readonly remote: boolean;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(cacheConfig.KEY) config: CacheConfig,
    @InjectMetricsRegistry() registry: Registry,
  ) {
    this.metrics = new CacheMetrics(registry, () => this.entries());
    this.remote = Boolean(config.redisUrl);
  }

  /** Hits, misses and entries, for the operator endpoints and /stats. */
  get stats(): CacheStats {
    return this.metrics;
  }

  /** Only a remote cache can hang; in memory a timer per call would be pure overhead. */
  private bounded<T>(operation: Promise<T>, label: string): Promise<T> {
    return this.remote ? withTimeout(operation, CACHE_TIMEOUT_MS, label) : operation;
  }

  /** Entries in the in-memory store, or -1 when the cache lives in Redis. */
  entries(): number {
    const keyv = this.cache.stores[0];
    const store: unknown = keyv?.store;
    return store instanceof KeyvCacheableMemory ? store.getStore(keyv.namespace).size : -1;
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const value = await this.bounded(this.cache.get<T>(key), 'cache read');
      (value === undefined || value === null ? this.metrics.misses : this.metrics.hits).inc();
      return value ?? undefined;
    } catch (error) {
      this.logger.warn(`cache read failed: ${(error as Error).message}`);
      this.metrics.misses.inc();
      return undefined;
    }
  }

  async set<T>(key: string, value: T): Promise<void> {
    try {
      await this.bounded(this.cache.set(key, value), 'cache write');
    } catch (error) {
      this.logger.warn(`cache write failed: ${(error as Error).message}`);
    }
  }

  /** Returns the cached value, or loads, caches and returns it. `null` results are not cached. */
  async getOrLoad<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const cached = await this.get<T>(key);
    if (cached !== undefined) return cached;
    const loaded = await load();
    if (loaded !== null && loaded !== undefined) await this.set(key, loaded);
    return loaded;
  }
}
