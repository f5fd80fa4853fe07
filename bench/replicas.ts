import { randomInt } from 'node:crypto';
import { TELEGRAM_FLOOD_LIMITS } from '../src/sandbox/emulator/flood-control';
import { FakeBotApi } from '../test/fake-bot-api/fake-bot-api.server';
import { textMessage } from '../test/fake-bot-api/updates';
import {
  optimization,
  type ReplicaProcess,
  startWebhookReplicas,
  stopReplicas,
} from '../test/support/webhook-replicas';
import { BenchDatabase } from './database';
import { emptyRunResult, round, type RunResult } from './harness';
import type { BenchOptions } from './options';

/** Webhook deliveries in flight at once, spread round-robin over the replicas. */
const DELIVERY_CONCURRENCY = 60;

/**
 * replicas: `count` webhook replicas of our service sharing Redis and one PostgreSQL database,
 * against a fake Bot API that enforces Telegram's flood limits (30 messages/s per bot, 1/s per
 * chat); `users` users write once each, all at once. Throughput as a share of the global limit,
 * and the share of sends answered 429: what the shared outbound budget is for.
 */
export async function runReplicas(count: number, options: BenchOptions): Promise<RunResult> {
  const { users, redisUrl } = options.replicas;
  // A bot id of its own per run: Redis keeps budgets and pauses per bot id.
  const token = `${randomInt(1_000_000, 2_000_000_000)}:BENCH-replicas-abcdefghijklmnopqrstuvwxyz`;
  const api = new FakeBotApi(token);
  await api.start();
  api.floodLimits = TELEGRAM_FLOOD_LIMITS;
  const db = await BenchDatabase.create(options.adminUrl);
  const result = emptyRunResult('replicas', 'ours', `ours ×${count}`);
  result.extra.replicas = count;
  let replicas: ReplicaProcess[] = [];
  try {
    replicas = await startWebhookReplicas(count, {
      DATABASE_URL: db.url,
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: api.apiRoot,
      REDIS_URL: redisUrl,
      ...options.extraEnv,
    });
    const first = 10_000_000 + randomInt(0, 1_000_000_000);
    const chats = new Set(Array.from({ length: users }, (_, i) => first + i));
    const replies = () =>
      api.calls.filter((c) => c.method === 'sendMessage' && chats.has(Number(c.payload.chat_id)));
    const startedAt = Date.now();
    await api.deliverWebhook(
      [...chats].map((chat, i) => ({ update_id: first + i, ...textMessage(chat, 'hi') })),
      replicas.map((r) => r.base),
      { concurrency: DELIVERY_CONCURRENCY },
    );
    const limit = TELEGRAM_FLOOD_LIMITS.globalPerSecond;
    await api.waitFor(
      () => replies().filter((c) => c.status === 200).length >= users,
      ((users / limit) * 3 + 30) * 1000,
      `${users} replies`,
    );
    const sent = replies().filter((c) => c.status === 200);
    const floods = replies().filter((c) => c.status === 429).length;
    result.sent = users;
    result.replied = new Set(sent.map((c) => Number(c.payload.chat_id))).size;
    result.durationSec = round((Math.max(...sent.map((c) => c.at)) - startedAt) / 1000);
    result.msgPerSec = round(result.replied / result.durationSec);
    result.extra = {
      ...result.extra,
      globalLimit: limit,
      limitShare: round(result.msgPerSec / limit, 3),
      flood429: floods,
      flood429Share: round(floods / (sent.length + floods), 4),
      duplicateReplies: sent.length - result.replied,
    };
    for (const { method } of api.calls)
      result.apiCalls[method] = (result.apiCalls[method] ?? 0) + 1;
    result.service = await optimization(replicas[0]);
    result.ok = result.replied === users && sent.length === users;
    if (!result.ok)
      result.error = `${result.replied} of ${users} users answered, ${sent.length} replies`;
  } catch (error) {
    result.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    await stopReplicas(replicas).catch((error: Error) => {
      result.ok = false;
      result.error ??= error.message.split('\n')[0];
    });
    await api.stop();
    await db.drop();
  }
  return result;
}
