import { Registry } from 'prom-client';
import { CacheMetrics } from './cache.metrics';

describe('CacheMetrics', () => {
  it('reports no hit ratio before the first read, then hits over all reads', async () => {
    const metrics = new CacheMetrics(new Registry(), () => 7);
    await expect(metrics.snapshot()).resolves.toEqual({
      hits: 0,
      misses: 0,
      hitRatio: null,
      entries: 7,
    });
    metrics.hits.inc(3);
    metrics.misses.inc();
    await expect(metrics.snapshot()).resolves.toMatchObject({ hits: 3, misses: 1, hitRatio: 0.75 });
  });

  it('reports entries as null when the store cannot count them (Redis)', async () => {
    const registry = new Registry();
    const metrics = new CacheMetrics(registry, () => -1);
    await expect(metrics.snapshot()).resolves.toMatchObject({ entries: null });
    // Prometheus keeps the documented -1.
    await expect(registry.metrics()).resolves.toMatch(/^telegram_bot_cache_entries -1$/m);
  });
});
