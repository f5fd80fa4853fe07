import type { Counter, Gauge, Histogram } from 'prom-client';

/**
 * Typed reads of prom-client metric objects for the stats providers: each module's metrics class
 * reads its own objects (never a registry lookup by name), so a renamed field or label is a
 * compile error.
 */
type Summable<L extends string> = Counter<L> | Gauge<L>;

/** Sum over every label combination: 0 before the first sample. */
export async function total<L extends string>(metric: Summable<L>): Promise<number> {
  const { values } = await metric.get();
  return values.reduce((sum, sample) => sum + sample.value, 0);
}

/** Sum per value of one label, e.g. `{ sendMessage: 4, getMe: 1 }`; {} before the first sample. */
export async function totalsBy<L extends string>(
  metric: Summable<L>,
  label: L,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const sample of (await metric.get()).values) {
    const key = String(sample.labels[label] ?? '');
    out[key] = (out[key] ?? 0) + sample.value;
  }
  return out;
}

/** Quantile estimates of a histogram, in its unit (seconds here); null before the first observation. */
export async function quantiles(
  histogram: Histogram,
  qs: readonly number[],
): Promise<(number | null)[]> {
  const data = await histogram.get();
  const buckets = new Map<number, number>();
  for (const sample of data.values) {
    if (sample.metricName !== `${data.name}_bucket`) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  return qs.map((q) => histogramQuantile(q, sorted));
}

/** p50 and p99 of a histogram, in its unit; null before the first observation. */
export async function medianAndP99(
  histogram: Histogram,
): Promise<{ p50: number | null; p99: number | null }> {
  const [p50, p99] = await quantiles(histogram, [0.5, 0.99]);
  return { p50, p99 };
}

/** `part / whole`, or null when there is no whole to divide by. */
export const share = (part: number, whole: number): number | null => (whole ? part / whole : null);

/** The sum of a record's values, e.g. rows pending over every table. */
export const sumOf = (byKey: Readonly<Record<string, number>>): number =>
  Object.values(byKey).reduce((a, b) => a + b, 0);

/**
 * Estimates a quantile from cumulative buckets `[upperBound, count][]` the way Prometheus'
 * histogram_quantile does: linear interpolation inside the bucket that holds the rank; a rank in
 * the +Inf bucket answers the largest finite bound.
 */
export function histogramQuantile(q: number, buckets: [number, number][]): number | null {
  const count = buckets.at(-1)?.[1] ?? 0;
  if (count <= 0) return null;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (bound === Infinity) return lowerBound;
      if (cumulative === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (cumulative - lowerCount);
    }
    lowerBound = bound;
    lowerCount = cumulative;
  }
  return lowerBound;
}
