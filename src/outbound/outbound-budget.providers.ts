import type { Provider } from '@nestjs/common';
import type Redis from 'ioredis';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { OUTBOUND_GATE } from './outbound-gate';
import { OutboundReplicasTask } from './outbound-replicas.task';
import type { GovernorOptions } from './outbound.governor';
import { SHARED_BUDGET_SCRIPTS } from './outbound.tokens';
import { SharedBudgetScripts } from './shared-budget.script';
import { SharedOutboundGovernor } from './shared-outbound.governor';

/** The in-process governor's limits (OUTBOUND_* settings). */
export function governorOptions(config: TelegramConfig): GovernorOptions {
  return {
    globalPerSecond: config.outbound.globalPerSecond,
    chatPerSecond: config.outbound.chatPerSecond,
    groupPerMinute: config.outbound.groupPerMinute,
  };
}

function sharedScripts(redis: Redis, config: TelegramConfig): SharedBudgetScripts {
  const { globalPerSecond, chatPerSecond, groupPerMinute } = config.outbound;
  return new SharedBudgetScripts(redis, config.botId, {
    globalPerSecond,
    // The in-process governor's burst; a wider window margin than its 50 ms: sends from several
    // processes reach Telegram with more scattered delays than one process's.
    globalBurst: Math.max(3, Math.ceil(globalPerSecond / 100)),
    windowMarginMs: 80,
    chatPerSecond,
    chatBurst: 3,
    groupPerMinute,
    groupBurst: 3,
    // A tenth of the window stays free of broadcasts: a reply during a campaign goes at once.
    reserve: Math.max(1, Math.ceil(globalPerSecond / 10)),
    demandMs: 100,
  });
}

/**
 * With REDIS_URL: the flood budget shared by all replicas (OUTBOUND_GATE) and the replica count
 * its fallback needs. Without: no gate, and OutboundService keeps its in-process governor.
 */
export const OUTBOUND_BUDGET_PROVIDERS: Provider[] = [
  {
    provide: SHARED_BUDGET_SCRIPTS,
    inject: [REDIS_CLIENT, telegramConfig.KEY],
    useFactory: (redis: Redis | null, config: TelegramConfig) =>
      redis ? sharedScripts(redis, config) : null,
  },
  OutboundReplicasTask,
  {
    provide: OUTBOUND_GATE,
    inject: [REDIS_CLIENT, SHARED_BUDGET_SCRIPTS, telegramConfig.KEY, OutboundReplicasTask],
    useFactory: (
      redis: Redis | null,
      scripts: SharedBudgetScripts | null,
      config: TelegramConfig,
      replicas: OutboundReplicasTask,
    ) =>
      redis && scripts
        ? new SharedOutboundGovernor({
            redis,
            scripts,
            options: governorOptions(config),
            replicas: () => replicas.count(),
          })
        : null,
  },
];
