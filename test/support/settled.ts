import type { INestApplication } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { BatchService } from '../../src/batch/batch.service';
import { BotMetrics } from '../../src/bot/bot.metrics';
import { eventually } from './batch-faults';

const total = async (counter: Counter<string>) =>
  (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);

/**
 * Resolves once each app has decided every update it received (finished, handled or failed,
 * dropped as a duplicate, or refused) and committed the rows they wrote. What a finished update
 * replies is sent by then, so a negative assertion after this has given the app its chance (a
 * failed update's apology may still be on its way). Call it once the updates were
 * received: in polling after `api.unconfirmed === 0`, in webhook mode after the deliveries.
 */
export async function whenSettled(
  apps: INestApplication | INestApplication[],
  ms = 15_000,
): Promise<void> {
  for (const app of Array.isArray(apps) ? apps : [apps]) {
    const m = app.get(BotMetrics);
    await eventually(async () => {
      const decided =
        (await total(m.handled)) +
        (await total(m.failed)) +
        (await total(m.duplicates)) +
        (await total(m.webhookRefused));
      return decided >= (await total(m.updatesReceived));
    }, ms);
    await app.get(BatchService).flushed();
  }
}
