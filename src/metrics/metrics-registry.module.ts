import { Global, Module } from '@nestjs/common';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.registry';

/** Provides the shared prom-client registry; each feature module defines its own metrics in it. */
@Global()
@Module({
  providers: [{ provide: METRICS_REGISTRY, useFactory: createMetricsRegistry }],
  exports: [METRICS_REGISTRY],
})
export class MetricsRegistryModule {}
