import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  histogramQuantile,
  medianAndP99,
  quantiles,
  share,
  sumOf,
  total,
  totalsBy,
} from './metric-values';

describe('metric values', () => {
  const registers = [new Registry()];

  it('reads a metric without samples as 0, {} or null', async () => {
    const counter = new Counter({ name: 'none_total', help: 'h', labelNames: ['lane'], registers });
    const histogram = new Histogram({ name: 'none_seconds', help: 'h', registers });
    await expect(total(counter)).resolves.toBe(0);
    await expect(totalsBy(counter, 'lane')).resolves.toEqual({});
    await expect(medianAndP99(histogram)).resolves.toEqual({ p50: null, p99: null });
  });

  it('sums a labelled counter overall and per label', async () => {
    const calls = new Counter({
      name: 'calls_total',
      help: 'h',
      labelNames: ['method', 'status'],
      registers,
    });
    calls.inc({ method: 'sendMessage', status: 'ok' }, 3);
    calls.inc({ method: 'sendMessage', status: 'error' }, 1);
    calls.inc({ method: 'getMe', status: 'ok' }, 2);
    await expect(total(calls)).resolves.toBe(6);
    await expect(totalsBy(calls, 'method')).resolves.toEqual({ sendMessage: 4, getMe: 2 });
  });

  it('runs collect() of gauges that compute their value when read', async () => {
    const gauge = new Gauge({
      name: 'entries',
      help: 'h',
      registers,
      collect() {
        this.set(17);
      },
    });
    await expect(total(gauge)).resolves.toBe(17);
  });

  it('estimates histogram quantiles from the buckets', async () => {
    const h = new Histogram({
      name: 'duration_seconds',
      help: 'h',
      buckets: [0.01, 0.1, 1],
      registers,
    });
    for (let i = 0; i < 90; i++) h.observe(0.005);
    for (let i = 0; i < 10; i++) h.observe(0.5);
    const [p50, p99] = await quantiles(h, [0.5, 0.99]);
    expect(p50).toBeCloseTo(0.01 * (50 / 90), 6);
    // Rank 99 is the 9th of 10 observations in the (0.1, 1] bucket.
    expect(p99).toBeCloseTo(0.1 + 0.9 * (9 / 10), 6);
    await expect(medianAndP99(h)).resolves.toEqual({ p50, p99 });
  });

  it('divides only when there is a whole, and sums records', () => {
    expect(share(1, 4)).toBe(0.25);
    expect(share(0, 0)).toBeNull();
    expect(sumOf({ users: 2, messages: 3 })).toBe(5);
    expect(sumOf({})).toBe(0);
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
