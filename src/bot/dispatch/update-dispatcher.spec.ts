import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { Context, Telegraf, Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { TelegramConfig } from '../../config/app.config';
import type { BotIdentity } from '../bot-identity';
import { BotMetrics } from '../bot.metrics';
import { ReplyOutcomeUnknownError } from '../ledger/update-effects';
import { I18nService } from '../../i18n/i18n.service';
import { UpdateDispatcher } from './update-dispatcher';

const i18n = new I18nService({ language: () => null } as never);
const FAILURE_REPLY = i18n.t('en', 'failure');

const message = (id: number, chat: number): Update =>
  ({
    update_id: id,
    message: { message_id: id, date: 1, chat: { id: chat, type: 'private' }, text: `m${id}` },
  }) as Update;

const tap = (id: number, chat: number): Update =>
  ({
    update_id: id,
    callback_query: {
      id: `q${id}`,
      from: { id: chat },
      data: 'x',
      chat_instance: 'c',
      message: { message_id: 1, date: 1, chat: { id: chat, type: 'private' } },
    },
  }) as unknown as Update;

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('UpdateDispatcher', () => {
  /** Handlers the test finishes by hand, by update id, in the order they started. */
  let started: number[];
  let finish: Map<number, (error?: Error) => void>;
  let apologies: number[];

  const dispatcher = (concurrency = 2, updateTimeoutMs = 60_000) => {
    const telegram = {
      sendMessage: (chatId: number, text: string) => {
        if (text === FAILURE_REPLY) apologies.push(chatId);
        return Promise.resolve({});
      },
    } as unknown as Telegram;
    const bot = {
      telegram,
      botInfo: { id: 1, username: 'bot' },
      handleUpdate: (update: Update) =>
        new Promise<void>((resolve, reject) => {
          started.push(update.update_id);
          finish.set(update.update_id, (error) => {
            finish.delete(update.update_id);
            if (error) reject(error);
            else resolve();
          });
        }),
    };
    const config = { dispatchConcurrency: concurrency, pollingLimit: 100, updateTimeoutMs };
    return new UpdateDispatcher(
      bot as unknown as Telegraf<Context>,
      config as TelegramConfig,
      new BotMetrics(new Registry(), config as TelegramConfig),
      { whenKnown: () => Promise.resolve(bot.botInfo) } as unknown as BotIdentity,
      i18n,
    );
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    started = [];
    finish = new Map();
    apologies = [];
  });
  afterEach(async () => {
    jest.useRealTimers();
    // Every handler finishes, those that start as earlier ones finish too: no deadline timer
    // outlives a test (one firing later would run the failure path inside another suite).
    while (finish.size > 0) {
      for (const done of [...finish.values()]) done();
      await settle();
    }
  });

  it('runs one chat’s updates strictly in order, while other chats go ahead', async () => {
    const d = dispatcher();
    const first = d.dispatch(message(1, 10));
    void d.dispatch(message(2, 10));
    void d.dispatch(message(3, 20));
    await settle();
    expect(started).toEqual([1, 3]);
    finish.get(3)!();
    await settle();
    expect(started).toEqual([1, 3]);
    finish.get(1)!();
    await first;
    await settle();
    expect(started).toEqual([1, 3, 2]);
  });

  it('handles at most DISPATCH_CONCURRENCY chats at once', async () => {
    const d = dispatcher(2);
    for (const [id, chat] of [
      [1, 10],
      [2, 20],
      [3, 30],
    ])
      void d.dispatch(message(id, chat));
    await settle();
    expect(started).toEqual([1, 2]);
    finish.get(2)!();
    await settle();
    expect(started).toEqual([1, 2, 3]);
  });

  it('apologises with the fixed text when a handler throws, and moves on', async () => {
    const d = dispatcher();
    const done = d.dispatch(message(1, 10));
    void d.dispatch(message(2, 10));
    await settle();
    finish.get(1)!(new Error('boom: secret details'));
    await done;
    await settle();
    expect(apologies).toEqual([10]);
    expect(started).toEqual([1, 2]);
  });

  it('does not apologise for a reply in doubt after a crash', async () => {
    const d = dispatcher();
    const done = d.dispatch(message(1, 10));
    await settle();
    finish.get(1)!(new ReplyOutcomeUnknownError('sendMessage', 0));
    await done;
    expect(apologies).toEqual([]);
  });

  it('gives up on an update past UPDATE_TIMEOUT_MS, so its chat moves on', async () => {
    jest.useFakeTimers();
    const d = dispatcher(2, 1000);
    const done = d.dispatch(message(1, 10));
    void d.dispatch(message(2, 10));
    await jest.advanceTimersByTimeAsync(1200);
    await done;
    expect(apologies).toEqual([10]);
    expect(started).toEqual([1, 2]);
  });

  it('answers a button tap kept waiting by its chat, and not one that starts soon', async () => {
    jest.useFakeTimers();
    const d = dispatcher();
    const answered: string[] = [];
    const client = {
      answerCbQuery: (id: string) => (answered.push(id), Promise.resolve(true)),
    } as unknown as Telegram;
    void d.dispatch(message(1, 10));
    void d.dispatch(tap(2, 10), client);
    void d.dispatch(message(3, 20));
    void d.dispatch(tap(4, 20), client);
    await jest.advanceTimersByTimeAsync(100);
    finish.get(3)!(); // chat 20 frees up: its tap starts, its handler answers it
    await jest.advanceTimersByTimeAsync(1_000);
    expect(answered).toEqual(['q2']);
    expect(started).toEqual([1, 3, 4]);
  });

  it('waits for room under its capacity, and a drain past its deadline starts nothing more', async () => {
    const d = dispatcher(1);
    for (let i = 0; i < d.capacity; i++) void d.dispatch(message(i, 10));
    let room = false;
    void d.whenRoom().then(() => (room = true));
    await settle();
    expect(room).toBe(false);
    finish.get(0)!();
    await settle();
    expect(room).toBe(true);

    await expect(d.drain(10)).resolves.toBe(d.capacity - 1);
    finish.get(1)!();
    await settle();
    expect(started).toEqual([0, 1]);
  });
});
