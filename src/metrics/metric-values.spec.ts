import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { histogramQuantile, RegistryReader } from './registry-reader';

describe('RegistryReader', () => {
  const registry = new Registry();
  const read = new RegistryReader(registry);

  it('reads a metric that is not registered yet as 0 (counters) or null (gauges, histograms)', async () => {
    await expect(read.sum('telegram_bot_not_yet_total')).resolves.toBe(0);
    await expect(read.sum('telegram_bot_not_yet', null)).resolves.toBeNull();
    await expect(read.max('telegram_bot_not_yet_seconds')).resolves.toBeNull();
    await expect(read.byLabel('telegram_bot_not_yet_total', 'lane')).resolves.toEqual({});
    await expect(read.quantiles('telegram_bot_not_yet_seconds', [0.5])).resolves.toEqual([null]);
  });

  it('sums a labelled counter overall and per label', async () => {
    const calls = new Counter({
      name: 'calls_total',
      help: 'h',
      labelNames: ['method', 'status'],
      registers: [registry],
    });
    calls.inc({ method: 'sendMessage', status: 'ok' }, 3);
    calls.inc({ method: 'sendMessage', status: 'error' }, 1);
    calls.inc({ method: 'getMe', status: 'ok' }, 2);
    await expect(read.sum('calls_total')).resolves.toBe(6);
    await expect(read.byLabel('calls_total', 'method')).resolves.toEqual({
      sendMessage: 4,
      getMe: 2,
    });
  });

  it('runs collect() of gauges that compute their value at read time', async () => {
    new Gauge({
      name: 'entries',
      help: 'h',
      registers: [registry],
      collect() {
        this.set(17);
      },
    });
    await expect(read.sum('entries', null)).resolves.toBe(17);
  });

  it('estimates histogram quantiles from the buckets', async () => {
    const h = new Histogram({
      name: 'duration_seconds',
      help: 'h',
      buckets: [0.01, 0.1, 1],
      registers: [registry],
    });
    for (let i = 0; i < 90; i++) h.observe(0.005);
    for (let i = 0; i < 10; i++) h.observe(0.5);
    const [p50, p99] = await read.quantiles('duration_seconds', [0.5, 0.99]);
    expect(p50).toBeCloseTo(0.01 * (50 / 90), 6);
    // Rank 99 is the 9th of 10 observations in the (0.1, 1] bucket.
    expect(p99).toBeCloseTo(0.1 + 0.9 * (9 / 10), 6);
  });
});

describe('histogramQuantile', () => {
  it('answers null for an empty histogram and the largest finite bound for the +Inf bucket', () => {
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(
      histogramQuantile(0.5, [
        [1, 0],
        [Infinity, 0],
      ]),
    ).toBeNull();
    expect(
      histogramQuantile(0.99, [
        [1, 1],
        [Infinity, 10],
      ]),
    ).toBe(1);
  });
});
