import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { SHARED_BUDGET_SCRIPTS } from './outbound.tokens';
import type { SharedBudgetScripts } from './shared-budget.script';

const JOB = 'outbound-replicas';
/** A replica counts as alive this long after its last heartbeat. */
const ALIVE_MS = 15_000;
const HEARTBEAT_MS = 5_000;

/**
 * Keeps the count of replicas sharing the outbound budget: each replica renews its entry in Redis
 * every 5 s (an interval job of @nestjs/schedule) and learns how many were alive in the last 15 s.
 * During an outage the last count seen stays in force; OUTBOUND_REPLICAS is the floor, and the
 * count before Redis has ever answered.
 */
@Injectable()
export class OutboundReplicasTask implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly id = randomUUID();
  private seen = 0;
  private beating?: Promise<void>;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    @Inject(SHARED_BUDGET_SCRIPTS) private readonly scripts: SharedBudgetScripts | null,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
  ) {}

  /** Replicas the global limit is split between while the budget cannot be shared. */
  count(): number {
    return Math.max(this.seen, this.config.outboundReplicas);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.scripts) return;
    await this.beat();
    const interval = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, HEARTBEAT_MS);
    interval.unref();
    this.scheduler.addInterval(JOB, interval);
  }

  /** Before RedisModule closes the connection (every before-hook runs before any on-hook). */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.scripts) return;
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
    await this.beating;
    await this.scripts.leave(this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    // Redis down: the last count seen stays (the shared budget logs the outage).
    this.seen = await this.scripts!.heartbeat(this.id, ALIVE_MS).catch(() => this.seen);
  }
}
