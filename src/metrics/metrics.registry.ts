import { Inject } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** DI token of the one prom-client registry every module registers its metrics in. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export const InjectMetricsRegistry = () => Inject(METRICS_REGISTRY);

/** A fresh registry per app instance (tests boot several), with Node's default process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  // 100 ms event-loop sampling (default 10 ms): finer sampling dominates the CPU of an idle bot.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}
