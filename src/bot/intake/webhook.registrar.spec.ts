import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Context, Telegraf } from 'telegraf';
import type { TelegramConfig } from '../../config/app.config';
import { BotStatusService } from '../bot-status.service';
import { WebhookRegistrar } from './webhook.registrar';

/** A registrar on a server that listens once the test says so, and a bot recording setWebhook. */
function registrar() {
  const server = Object.assign(new EventEmitter(), { listening: false });
  const calls: string[] = [];
  const bot = {
    telegram: { setWebhook: async (url: string) => void calls.push(url) },
  } as unknown as Telegraf<Context>;
  const config = {
    webhookUrl: 'https://bot.example.com/hook',
    allowedUpdates: ['message'],
  } as unknown as TelegramConfig;
  const host = { httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost;
  const status = new BotStatusService();
  const listen = () => {
    server.listening = true;
    server.emit('listening');
  };
  return { registrar: new WebhookRegistrar(bot, config, status, host), calls, status, listen };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('WebhookRegistrar', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('sets the webhook only once the HTTP server listens: Telegram delivers at once', async () => {
    const { registrar: r, calls, status, listen } = registrar();
    r.start();
    await settle();
    expect(calls).toEqual([]);

    listen();
    await settle();
    expect(calls).toEqual(['https://bot.example.com/hook']);
    expect(status.intakeRunning).toBe(true);
  });

  it('stops without registering when shut down before the server listened', async () => {
    const { registrar: r, calls } = registrar();
    r.start();
    await r.stop();
    expect(calls).toEqual([]);
  });
});
