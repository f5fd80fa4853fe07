import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyvCacheableMemory } from 'cacheable';
import type { Registry } from 'prom-client';
import { withTimeout } from '../common/timeout';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { CacheMetrics } from './cache.metrics';

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

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @InjectMetricsRegistry() registry: Registry,
  ) {
    this.metrics = new CacheMetrics(registry, () => this.entries());
  }

  /** Entries in the in-memory store, or -1 when the cache lives in Redis. */
  entries(): number {
    const keyv = this.cache.stores[0];
    const store: unknown = keyv?.store;
    return store instanceof KeyvCacheableMemory ? store.getStore(keyv.namespace).size : -1;
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const value = await withTimeout(this.cache.get<T>(key), CACHE_TIMEOUT_MS, 'cache read');
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
      await withTimeout(this.cache.set(key, value), CACHE_TIMEOUT_MS, 'cache write');
    } catch (error) {
      this.logger.warn(`cache write failed: ${(error as Error).message}`);
    }
  }

  async del(key: string): Promise<void> {
    try {
      await withTimeout(this.cache.del(key), CACHE_TIMEOUT_MS, 'cache delete');
    } catch (error) {
      this.logger.warn(`cache delete failed: ${(error as Error).message}`);
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
