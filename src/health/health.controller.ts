import { getHeapStatistics } from 'node:v8';
import { Controller, Get, Query } from '@nestjs/common';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator } from '@nestjs/terminus';
import { BotHealthIndicator } from '../bot/bot.health';
import { DatabaseHealthIndicator } from '../database/database.health';
import { RedisHealth } from '../redis/redis.health';

/** Unhealthy when the heap nears V8's limit (set it with --max-old-space-size to match the pod). */
const HEAP_LIMIT_BYTES = Math.floor(getHeapStatistics().heap_size_limit * 0.9);
const DB_PING_TIMEOUT_MS = 3000;

/** Probes for load balancers and Kubernetes; always open, even when METRICS_TOKEN is set. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly bot: BotHealthIndicator,
    private readonly redis: RedisHealth,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.isHealthy('database', DB_PING_TIMEOUT_MS),
      () => this.memory.checkHeap('memory_heap', HEAP_LIMIT_BYTES),
    ]);
  }

  /** Liveness never touches the database and stays 200 while draining (Terminus would answer 503). */
  @Get('live')
  live() {
    return { status: 'ok', uptimeSec: Math.round(process.uptime()) };
  }

  /**
   * Readiness: the database answers and updates are flowing; 503 while draining or degraded, and
   * for a polling replica standing by for the lease. `?standby=ready` counts a healthy standby as
   * ready: the probe of a polling Deployment, whose rollout would otherwise wait forever for new
   * pods that cannot lead while an old one does.
   * Redis is reported but never makes it 503: its users fail open.
   */
  @Get('ready')
  @HealthCheck()
  ready(@Query('standby') standby?: string) {
    const standbyIsReady = standby === 'ready';
    return this.health.check([
      () => this.database.isHealthy('database', DB_PING_TIMEOUT_MS),
      () => this.bot.isReady('bot', { standbyIsReady }),
      () => this.redis.check('redis'),
    ]);
  }
}
