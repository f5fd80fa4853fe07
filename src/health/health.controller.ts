import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../database/database.health';

const HEAP_LIMIT_BYTES = 512 * 1024 * 1024;

/** Probes for load balancers and Kubernetes. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.isHealthy('database'),
      () => this.memory.checkHeap('memory_heap', HEAP_LIMIT_BYTES),
    ]);
  }

  /** Liveness never touches the database and stays 200 while draining (Terminus would answer 503). */
  @Get('live')
  live() {
    return { status: 'ok', uptimeSec: Math.round(process.uptime()) };
  }
}
