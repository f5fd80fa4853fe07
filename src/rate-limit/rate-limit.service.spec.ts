import { Logger } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Registry } from 'prom-client';
import type { Context } from 'telegraf';
import type { TelegramConfig } from '../config/app.config';
import { RateLimitService } from './rate-limit.service';
import { I18nService } from '../i18n/i18n.service';

const ADMIN = 777;

/** A minimal update context: who sent it, and spies for what the bot says back. */
function fakeCtx(
  userId: number | undefined,
  kind: 'message' | 'callback' | 'my_chat_member' = 'message',
  chatType = 'private',
) {
  const sendMessage = jest.fn().mockResolvedValue({});
  const answerCbQuery = jest.fn().mockResolvedValue(true);
  const ctx = {
    update: { update_id: 1 },
    from: userId === undefined ? undefined : { id: userId },
    chat: { id: chatType === 'private' ? (userId ?? -1) : -100, type: chatType },
    message: kind === 'message' ? { text: 'hi' } : undefined,
    callbackQuery: kind === 'callback' ? { id: 'q' } : undefined,
    myChatMember: kind === 'my_chat_member' ? { new_chat_member: { status: 'kicked' } } : undefined,
    telegram: { sendMessage },
    answerCbQuery,
  };
  return { ctx: ctx as unknown as Context, sendMessage, answerCbQuery };
}

describe('RateLimitService', () => {
  let storage: ThrottlerStorageService;
  let registry: Registry;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    storage = new ThrottlerStorageService();
    registry = new Registry();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  const service = (store: ThrottlerStorage = storage) =>
    new RateLimitService(
      store,
      { limit: 10, windowSec: 60, redisUrl: undefined },
      { adminIds: [ADMIN] } as unknown as TelegramConfig,
      registry,
      new I18nService({ language: () => null } as never),
    );

  async function send(limiter: RateLimitService, userId: number, count: number) {
    const next = jest.fn().mockResolvedValue(undefined);
    const replies = jest.fn();
    for (let i = 0; i < count; i++) {
      const { ctx, sendMessage } = fakeCtx(userId);
      await limiter.middleware()(ctx, next);
      replies.mock.calls.push(...(sendMessage.mock.calls as never[]));
    }
    return { processed: next.mock.calls.length, notices: replies.mock.calls as unknown[][] };
  }

  const metric = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  it('drops the 11th message in a minute and notifies once', async () => {
    const limiter = service();

    const { processed, notices } = await send(limiter, 1, 15);

    expect(processed).toBe(10);
    expect(notices).toEqual([[1, 'Slow down: try again in 60 s']]);
    await expect(metric('telegram_bot_rate_limited_total')).resolves.toBe(5);
    await expect(metric('telegram_bot_rate_limit_notices_total')).resolves.toBe(1);
    await expect(metric('telegram_bot_rate_limited_users')).resolves.toBe(1);
  });

  it('leaves other users alone', async () => {
    const limiter = service();
    await send(limiter, 1, 15);

    await expect(send(limiter, 2, 3)).resolves.toEqual({ processed: 3, notices: [] });
  });

  it('lets the user in again once the window has passed', async () => {
    const limiter = service();
    await send(limiter, 1, 11);
    jest.advanceTimersByTime(30_000);
    await expect(send(limiter, 1, 1)).resolves.toEqual({
      processed: 0,
      notices: [],
    });

    jest.advanceTimersByTime(31_000);

    await expect(send(limiter, 1, 10)).resolves.toEqual({ processed: 10, notices: [] });
    await expect(metric('telegram_bot_rate_limited_users')).resolves.toBe(0);
  });

  it('notifies again when the user floods again after the block', async () => {
    const limiter = service();
    await send(limiter, 1, 12);
    jest.advanceTimersByTime(61_000);

    const { processed, notices } = await send(limiter, 1, 12);

    expect(processed).toBe(10);
    expect(notices).toEqual([[1, 'Slow down: try again in 60 s']]);
  });

  it('answers a limited callback query with the notice instead of a message', async () => {
    const limiter = service();
    await send(limiter, 1, 10);
    const { ctx, sendMessage, answerCbQuery } = fakeCtx(1, 'callback');
    const next = jest.fn();

    await limiter.middleware()(ctx, next);

    expect(next).not.toHaveBeenCalled();
    expect(answerCbQuery).toHaveBeenCalledWith('Slow down: try again in 60 s');
    expect(sendMessage).not.toHaveBeenCalled();
  });

  it('drops limited group messages without posting a notice in the group', async () => {
    const limiter = service();
    await send(limiter, 1, 10);
    const { ctx, sendMessage } = fakeCtx(1, 'message', 'supergroup');
    const next = jest.fn();

    await limiter.middleware()(ctx, next);

    expect(next).not.toHaveBeenCalled();
    expect(sendMessage).not.toHaveBeenCalled();
  });

  it('never limits admins', async () => {
    await expect(send(service(), ADMIN, 30)).resolves.toEqual({ processed: 30, notices: [] });
  });

  it("lets a limited user's my_chat_member through: Telegram's word of a block, not a message", async () => {
    const limiter = service();
    await send(limiter, 1, 11);
    const next = jest.fn();

    await limiter.middleware()(fakeCtx(1, 'my_chat_member').ctx, next);

    expect(next).toHaveBeenCalled();
  });

  it('passes updates without a sender', async () => {
    const limiter = service();
    const next = jest.fn();

    await limiter.middleware()(fakeCtx(undefined).ctx, next);

    expect(next).toHaveBeenCalled();
  });

  it('lets updates through when the storage fails (fail open)', async () => {
    const broken: ThrottlerStorage = {
      increment: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
    };

    await expect(send(service(broken), 1, 15)).resolves.toEqual({ processed: 15, notices: [] });
    await expect(metric('telegram_bot_rate_limit_storage_errors_total')).resolves.toBe(15);
  });

  it('lets updates through when the storage hangs', async () => {
    const hanging: ThrottlerStorage = { increment: () => new Promise(() => undefined) };
    const limiter = service(hanging);
    const next = jest.fn();

    const done = limiter.middleware()(fakeCtx(1).ctx, next);
    await jest.advanceTimersByTimeAsync(1000);
    await done;

    expect(next).toHaveBeenCalled();
  });
});
