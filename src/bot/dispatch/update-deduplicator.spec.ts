import { Registry } from 'prom-client';
import type { Update } from 'telegraf/types';
import type { DataSource } from 'typeorm';
import type { TelegramConfig } from '../../config/app.config';
import { BotMetrics } from '../bot.metrics';
import { UpdateDeduplicator } from './update-deduplicator';

const update = (id: number) =>
  ({
    update_id: id,
    message: { message_id: id, date: 1, chat: { id: 7, type: 'private' }, text: 'x' },
  }) as Update;
const DAY_MS = 24 * 60 * 60 * 1000;

describe('UpdateDeduplicator', () => {
  const config = { mode: 'polling', dispatchConcurrency: 1 } as TelegramConfig;
  const dedup = () =>
    new UpdateDeduplicator({} as DataSource, null, config, new BotMetrics(new Registry(), config));
  const notInFlight = () => false;

  afterEach(() => jest.useRealTimers());

  it('drops an update finished recently and one in flight', async () => {
    const d = dedup();
    d.markDone(5);
    await expect(d.fresh([update(5), update(6)], (id) => id === 6)).resolves.toEqual([]);
    await expect(d.fresh([update(7)], notInFlight)).resolves.toEqual([update(7)]);
  });

  it('forgets what it saw after a week without updates, when Telegram may reuse ids', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const d = dedup();
    await d.fresh([update(5)], notInFlight);
    d.markDone(5);
    jest.setSystemTime(Date.now() + 6 * DAY_MS);
    await expect(d.fresh([update(5)], notInFlight)).resolves.toEqual([]);
    jest.setSystemTime(Date.now() + 8 * DAY_MS);
    await expect(d.fresh([update(5)], notInFlight)).resolves.toEqual([update(5)]);
  });
});
