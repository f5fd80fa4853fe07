import { Inject } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** DI token of the one prom-client registry every module registers its metrics in. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export const InjectMetricsRegistry = () => Inject(METRICS_REGISTRY);

/** A fresh registry per app instance (tests boot several), with Node's default process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
