import { Registry } from 'prom-client';
import { BatchMetrics } from './batch.metrics';

describe('BatchMetrics', () => {
  const setup = () => {
    const registry = new Registry();
    const metrics = new BatchMetrics(registry, {
      pendingRows: () => [['notes', 2]],
      oldestPendingAgeSeconds: () => 0.5,
    });
    metrics.setTables(['notes', 'scores']);
    return { registry, metrics };
  };

  it('exports the counts it holds, the same on every scrape', async () => {
    const { registry, metrics } = setup();
    metrics.recordFlush(12);
    metrics.recordWritten([3, 1]);
    metrics.recordFlush(8);
    metrics.recordWritten([2, 0]);
    metrics.recordFailure();
    metrics.recordRetry();
    metrics.recordDeadLetter();
    for (let scrape = 0; scrape < 2; scrape++) {
      const text = await registry.metrics();
      expect(text).toMatch(/^telegram_bot_batch_flushes_total 2$/m);
      expect(text).toMatch(/^telegram_bot_batch_rows_written_total\{buffer="notes"\} 5$/m);
      expect(text).toMatch(/^telegram_bot_batch_rows_written_total\{buffer="scores"\} 1$/m);
      expect(text).toMatch(/^telegram_bot_batch_flush_failures_total 1$/m);
      expect(text).toMatch(/^telegram_bot_batch_retries_total 1$/m);
      expect(text).toMatch(/^telegram_bot_batch_dead_letters_total 1$/m);
      expect(text).toMatch(/^telegram_bot_batch_pending_rows\{buffer="notes"\} 2$/m);
      expect(text).toMatch(/^telegram_bot_batch_flush_duration_seconds_count 2$/m);
    }
    expect(metrics.totals).toMatchObject({ flushes: 2, rowsWritten: { notes: 5, scores: 1 } });
  });

  it('exports every table at 0 and no last flush before the first one', async () => {
    const { registry, metrics } = setup();
    const text = await registry.metrics();
    expect(text).toMatch(/^telegram_bot_batch_rows_written_total\{buffer="scores"\} 0$/m);
    expect(text).toMatch(/^telegram_bot_batch_last_flush_timestamp_seconds 0$/m);
    await expect(metrics.flushDurationSec()).resolves.toEqual({ p50: null, p99: null });
  });

  it('estimates flush-duration quantiles in seconds', async () => {
    const { metrics } = setup();
    for (let i = 0; i < 10; i++) metrics.recordFlush(20);
    const { p50, p99 } = await metrics.flushDurationSec();
    // All ten fall in the (0.01, 0.025] s bucket: interpolated inside it.
    expect(p50).toBeGreaterThan(0.01);
    expect(p99).toBeLessThanOrEqual(0.025);
    expect(p99).toBeGreaterThan(p50!);
  });
});
