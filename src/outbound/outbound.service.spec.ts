import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { GovernedTelegram } from '../bot/transport/telegram-transport';
import type { TelegramConfig } from '../config/app.config';
import { BroadcastService } from './broadcast.service';
import { type CallOptions, OutboundService } from './outbound.service';

const config = {
  apiTimeoutMs: 1000,
  outbound: { globalPerSecond: 30, chatPerSecond: 1, groupPerMinute: 20 },
} as TelegramConfig;

const telegramError = (code: number, retryAfter?: number) =>
  Object.assign(new Error(`${code}: error`), {
    response: {
      ok: false,
      error_code: code,
      description: 'error',
      ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
    },
  });
const networkError = (code: string) => Object.assign(new Error(code), { code, type: 'system' });

/** The bot's governed client over a transport that is a script of outcomes (no HTTP). */
function governedOver(
  outbound: OutboundService,
  outcomes: ((options?: CallOptions, payload?: any) => Promise<unknown>)[] = [],
) {
  const calls: { method: string; payload: any; options: any }[] = [];
  const client = {
    call: (method: string, payload: any, options?: any) => {
      calls.push({ method, payload, options });
      const next = outcomes.shift();
      return next ? next(options, payload) : Promise.resolve({ message_id: calls.length });
    },
  };
  const telegram = new GovernedTelegram('123:test', 'http://127.0.0.1:9', client, outbound);
  return { telegram, calls };
}
/** A call Telegram never answers: it fails when its deadline passes, as the real transport does. */
const hang = (options?: CallOptions) =>
  new Promise((_, reject) =>
    setTimeout(
      () => reject(Object.assign(new Error('socket timeout'), { code: 'ESOCKETTIMEDOUT' })),
      options?.timeoutMs,
    ),
  );

async function metric(registry: Registry, name: string, labels?: Record<string, string>) {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  const match = values.find((v) =>
    Object.entries(labels ?? {}).every(([k, l]) => v.labels[k] === l),
  );
  return match?.value ?? 0;
}

beforeAll(() => Logger.overrideLogger(false));

describe('OutboundService', () => {
  let registry: Registry;
  let outbound: OutboundService;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    registry = new Registry();
    outbound = new OutboundService(config, registry);
  });
  afterEach(() => {
    outbound.onApplicationShutdown();
    jest.useRealTimers();
  });

  const settle = async <T>(promise: Promise<T>, ms = 60_000) => {
    const result = promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await jest.advanceTimersByTimeAsync(ms);
    return result;
  };

  it('passes getUpdates through untouched and ungoverned', async () => {
    const { telegram, calls } = governedOver(outbound);
    const options = { signal: new AbortController().signal };

    await telegram.callApi('getUpdates', { offset: 5 }, options);

    expect(calls[0].options).toBe(options);
  });

  it('gives every governed call the API_TIMEOUT_MS deadline', async () => {
    const { telegram, calls } = governedOver(outbound);

    await expect(telegram.sendMessage(1, 'hi')).resolves.toEqual({ message_id: 1 });

    expect(calls[0].options).toEqual({ signal: undefined, timeoutMs: config.apiTimeoutMs });
    await expect(metric(registry, 'telegram_bot_outbound_sent_total')).resolves.toBe(1);
  });

  it('waits retry_after on a 429 and then sends the message once', async () => {
    const { telegram, calls } = governedOver(outbound, [
      () => Promise.reject(telegramError(429, 3)),
    ]);

    const sending = telegram.sendMessage(1, 'hi');
    await jest.advanceTimersByTimeAsync(2999);
    expect(calls).toHaveLength(1);
    const outcome = await settle(sending);

    expect(outcome).toEqual({ value: { message_id: 2 } });
    expect(calls).toHaveLength(2);
    await expect(metric(registry, 'telegram_bot_outbound_429_total')).resolves.toBe(1);
    await expect(metric(registry, 'telegram_bot_outbound_retries_total')).resolves.toBe(1);
  });

  it('never re-sends a message whose request timed out (Telegram may have delivered it)', async () => {
    const { telegram, calls } = governedOver(outbound, [hang]);

    const outcome = await settle(telegram.sendMessage(1, 'hi'));

    expect(outcome).toEqual({
      error: expect.objectContaining({ code: 'ESOCKETTIMEDOUT' }),
    });
    expect(calls).toHaveLength(1);
    await expect(metric(registry, 'telegram_bot_outbound_failed_total')).resolves.toBe(1);
  });

  it('retries an edit that timed out, since editing twice is harmless', async () => {
    const { telegram, calls } = governedOver(outbound, [hang]);

    const outcome = await settle(telegram.editMessageText(1, 10, undefined, 'new'));

    expect(outcome).toEqual({ value: { message_id: 2 } });
    expect(calls).toHaveLength(2);
  });

  it('retries a message when the connection was refused (it never reached Telegram)', async () => {
    const { telegram, calls } = governedOver(outbound, [
      () => Promise.reject(networkError('ECONNREFUSED')),
    ]);

    await expect(settle(telegram.sendMessage(1, 'hi'))).resolves.toEqual({
      value: { message_id: 2 },
    });
    expect(calls).toHaveLength(2);
  });

  it('does not re-send a message after a connection reset', async () => {
    const { telegram, calls } = governedOver(outbound, [
      () => Promise.reject(networkError('ECONNRESET')),
    ]);

    await expect(settle(telegram.sendMessage(1, 'hi'))).resolves.toEqual({
      error: expect.objectContaining({ code: 'ECONNRESET' }),
    });
    expect(calls).toHaveLength(1);
  });

  it('retries 5xx answers of a safe method with backoff and gives up after three retries', async () => {
    const fail = () => Promise.reject(telegramError(502));
    const { telegram, calls } = governedOver(outbound, [fail, fail, fail, fail, fail]);

    const outcome = await settle(telegram.editMessageText(1, 7, undefined, 'hi'));

    expect(outcome).toEqual({ error: expect.objectContaining({ message: '502: error' }) });
    expect(calls).toHaveLength(4);
    await expect(metric(registry, 'telegram_bot_outbound_retries_total')).resolves.toBe(3);
  });

  it('does not re-send a message after a 5xx (a proxy may answer it after Telegram sent it)', async () => {
    const { telegram, calls } = governedOver(outbound, [() => Promise.reject(telegramError(502))]);

    await expect(settle(telegram.sendMessage(1, 'hi'))).resolves.toEqual({
      error: expect.objectContaining({ message: '502: error' }),
    });
    expect(calls).toHaveLength(1);
  });

  it('rejects a 403 (bot blocked) at once and counts it as blocked', async () => {
    const { telegram, calls } = governedOver(outbound, [() => Promise.reject(telegramError(403))]);

    await expect(settle(telegram.sendMessage(1, 'hi'))).resolves.toEqual({
      error: expect.objectContaining({ message: '403: error' }),
    });
    expect(calls).toHaveLength(1);
    await expect(metric(registry, 'telegram_bot_outbound_blocked_total')).resolves.toBe(1);
    await expect(metric(registry, 'telegram_bot_outbound_failed_total')).resolves.toBe(0);
  });

  it('answers callback queries without waiting for the chat bucket', async () => {
    const { telegram, calls } = governedOver(outbound);
    const sends = Array.from({ length: 4 }, () => telegram.sendMessage(1, 'burst'));
    await jest.advanceTimersByTimeAsync(200);

    await telegram.answerCbQuery('q1', 'ok');
    await settle(Promise.all(sends));

    expect(calls.map((c) => c.method)).toEqual([
      'sendMessage',
      'sendMessage',
      'sendMessage',
      'answerCallbackQuery',
      'sendMessage',
    ]);
  });

  it('gives up a retry wait at shutdown instead of keeping the process alive', async () => {
    const { telegram, calls } = governedOver(outbound, [() => Promise.reject(telegramError(500))]);
    const outcome = telegram.sendMessage(1, 'hi').catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(10);

    outbound.onApplicationShutdown();

    await expect(outcome).resolves.toMatchObject({ message: '500: error' });
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('BroadcastService', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends to every chat through 429 storms and reports blocked users', async () => {
    const registry = new Registry();
    const outbound = new OutboundService(config, registry);
    let calls = 0;
    const outcome = (_options?: CallOptions, payload?: { chat_id: number }) => {
      calls++;
      if (payload!.chat_id % 50 === 0) return Promise.reject(telegramError(403));
      if (calls % 7 === 0) return Promise.reject(telegramError(429, 1));
      return Promise.resolve({ message_id: calls });
    };
    const { telegram } = governedOver(
      outbound,
      Array.from({ length: 1000 }, () => outcome),
    );
    outbound.useClient(telegram);
    const broadcasts = new BroadcastService(outbound, config);

    async function* ids() {
      for (let id = 1; id <= 300; id++) yield id;
    }
    const done = broadcasts.broadcast('news', ids());
    await jest.advanceTimersByTimeAsync(120_000);

    await expect(done).resolves.toEqual({ sent: 294, failed: 0, blocked: 6 });
    outbound.onApplicationShutdown();
  });
});
