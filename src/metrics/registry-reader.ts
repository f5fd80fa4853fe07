import type { MetricValue, Registry } from 'prom-client';

type Sample = MetricValue<string> & { metricName?: string };

/**
 * Reads metrics by name from the shared registry. Feature modules register their metrics on their
 * own schedule, so a name that is not registered yet reads as "no data" (0 or null), never an error.
 */
export class RegistryReader {
  constructor(private readonly registry: Registry) {}

  /** All samples of a metric (histograms include `_bucket`, `_sum`, `_count`); [] when absent. */
  async samples(name: string): Promise<Sample[]> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return [];
    const data = await metric.get();
    return data.values;
  }

  /** Sum over every label combination; `fallback` when the metric is not registered. */
  async sum(name: string, fallback: number | null = 0): Promise<number | null> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return fallback;
    const values = (await metric.get()).values as Sample[];
    return values.reduce((total, sample) => total + sample.value, 0);
  }

  /** Sum per value of one label, e.g. `{ interactive: 3, broadcast: 120 }`; {} when absent. */
  async byLabel(name: string, label: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const sample of await this.samples(name)) {
      const key = String(sample.labels[label] ?? '');
      out[key] = (out[key] ?? 0) + sample.value;
    }
    return out;
  }

  /** Largest value across label combinations (for timestamps and ages); null when absent or empty. */
  async max(name: string): Promise<number | null> {
    const values = (await this.samples(name)).map((s) => s.value);
    return values.length ? Math.max(...values) : null;
  }

  /** Quantile estimates of a histogram, in the histogram's unit; null when absent or empty. */
  async quantiles(name: string, qs: number[]): Promise<(number | null)[]> {
    const buckets = new Map<number, number>();
    for (const sample of await this.samples(name)) {
      if (sample.metricName !== `${name}_bucket`) continue;
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
    const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
    return qs.map((q) => histogramQuantile(q, sorted));
  }
}

/**
 * Estimates a quantile from cumulative buckets `[upperBound, count][]` the way Prometheus'
 * histogram_quantile does: linear interpolation inside the bucket that holds the rank; a rank in
 * the +Inf bucket answers the largest finite bound.
 */
export function histogramQuantile(q: number, buckets: [number, number][]): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
