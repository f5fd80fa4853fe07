import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { TelegramError, type Context, type Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { TelegramConfig } from '../../config/app.config';
import { BotStatusService } from '../bot-status.service';
import { BotMetrics } from '../bot.metrics';
import type { UpdateLedger } from '../ledger/update-ledger';
import { PollingLease, type LeaseTerm } from './polling-lease';
import { PollingLeaseMetrics } from './polling-lease.metrics';
import { PollingUpdateSource } from './polling.update-source';

const update = (id: number) => ({ update_id: id }) as Update;
const apiError = (code: number, retryAfter?: number) =>
  new TelegramError({
    error_code: code,
    description: `error ${code}`,
    ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
  });

type Answer = Update[] | Error;

/** A lease double: the test decides when this replica leads and sees it step down. */
class ScriptedLease {
  enabled = true;
  steppedDown: number[] = [];
  private lead?: (term: LeaseTerm) => void;
  private controller = new AbortController();

  start(lead: (term: LeaseTerm) => void): void {
    this.lead = lead;
  }
  win(): void {
    this.controller = new AbortController();
    const signal = this.controller.signal;
    this.lead!({ signal, token: 1, valid: () => !signal.aborted });
  }
  lose(): void {
    this.controller.abort();
  }
  stepDown(backoffMs: number): void {
    this.steppedDown.push(backoffMs);
    this.controller.abort();
  }
  stop(): Promise<void> {
    this.controller.abort();
    return Promise.resolve();
  }
}

describe('PollingUpdateSource', () => {
  let answers: Answer[];
  let polls: { offset: number; limit: number; timeout: number; allowed_updates: string[] }[];
  let received: Update[][];
  let confirmed: number[];
  let status: BotStatusService;
  let metrics: BotMetrics;
  let nextOffset: number;
  let source: PollingUpdateSource;
  let build: (lease: PollingLease) => PollingUpdateSource;

  const config = {
    pollingTimeoutSec: 30,
    readLatencySec: 5,
    pollingLimit: 100,
    allowedUpdates: ['message', 'callback_query'],
    apiTimeoutMs: 1000,
    dispatchConcurrency: 1,
  } as unknown as TelegramConfig;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    jest.useFakeTimers();
    answers = [];
    polls = [];
    received = [];
    confirmed = [];
    nextOffset = 0;
    status = new BotStatusService();
    metrics = new BotMetrics(new Registry(), config);
    const telegram = {
      // The next scripted answer; with none left, a long poll that lasts until the loop stops.
      callApi: (
        _method: string,
        payload: (typeof polls)[number],
        options: { signal: AbortSignal },
      ) => {
        polls.push(payload);
        const answer = answers.shift();
        if (answer instanceof Error) return Promise.reject(answer);
        if (answer) return Promise.resolve(answer);
        return new Promise((_, reject) =>
          options.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    };
    const ledger = {
      journalsUpdates: true,
      whenRoom: () => Promise.resolve(),
      whenIdle: () => Promise.resolve(),
      confirmableOffset: () => Promise.resolve(nextOffset),
      confirmed: (offset: number) => confirmed.push(offset),
      receive: (updates: Update[]) => {
        received.push(updates);
        if (updates.length) nextOffset = updates[updates.length - 1].update_id + 1;
        return Promise.resolve(updates.length);
      },
    };
    const registry = new Registry();
    const leaseMetrics = new PollingLeaseMetrics(registry);
    build = (lease) =>
      new PollingUpdateSource(
        { telegram } as unknown as Telegraf<Context>,
        config,
        ledger as unknown as UpdateLedger,
        status,
        metrics,
        lease,
        leaseMetrics,
      );
    // Without REDIS_URL: no lease, this process polls.
    source = build(
      new PollingLease(
        null,
        { enabled: false, ttlMs: 5000, dataDir: '' },
        config,
        leaseMetrics,
        null,
      ),
    );
  });
  afterEach(async () => {
    await source.stop();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('long-polls with limit, timeout and allowed updates, confirming the offset the ledger gives', async () => {
    answers = [[update(10), update(11)], []];
    source.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(polls.map((p) => p.offset)).toEqual([0, 12, 12]);
    expect(polls[0]).toMatchObject({
      limit: 100,
      timeout: 30,
      allowed_updates: config.allowedUpdates,
    });
    expect(received).toEqual([[update(10), update(11)], []]);
    expect(confirmed).toEqual([0, 12]);
    expect(status.intakeRunning).toBe(true);
  });

  it('waits retry_after on 429 before the next poll', async () => {
    answers = [apiError(429, 7)];
    source.start();
    await jest.advanceTimersByTimeAsync(6_900);
    expect(polls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(200);
    expect(polls).toHaveLength(2);
  });

  it('stops for good on 401, saying the token was rejected', async () => {
    answers = [apiError(401)];
    source.start();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(polls).toHaveLength(1);
    expect(status.intakeRunning).toBe(false);
    expect(status.lastIntakeError).toMatch(/TELEGRAM_BOT_TOKEN/);
  });

  it('on 409 reports the conflict, backs off and keeps trying', async () => {
    answers = [apiError(409), apiError(409), []];
    source.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(status.intakeRunning).toBe(false);
    expect(status.lastIntakeError).toMatch(/409/);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(status.intakeRunning).toBe(true);
    await expect(metrics.pollConflicts.get()).resolves.toMatchObject({ values: [{ value: 2 }] });
  });

  it('goes not-ready after repeated network failures and recovers with the next answer', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0); // backoff 250, 500, 1000 ms
    answers = [
      new Error('ECONNRESET'),
      new Error('ECONNRESET'),
      new Error('ECONNRESET'),
      [update(1)],
    ];
    source.start();
    await jest.advanceTimersByTimeAsync(1_000); // three failures, waiting before the fourth poll
    expect(status.intakeRunning).toBe(false);
    expect(status.lastIntakeError).toMatch(/ECONNRESET/);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(received[0]).toEqual([update(1)]);
    expect(status.intakeRunning).toBe(true);
  });

  it('backs off longer after each failed poll and starts over after an answer', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0); // backoff 250, 500, 1000 ms
    answers = [apiError(502), apiError(502), [], apiError(502)];
    source.start();
    await jest.advanceTimersByTimeAsync(249);
    expect(polls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(polls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(499);
    expect(polls).toHaveLength(2);
    // The third poll is answered; the fourth fails; the fifth waits the first backoff again.
    await jest.advanceTimersByTimeAsync(1);
    expect(polls).toHaveLength(4);
    await jest.advanceTimersByTimeAsync(250);
    expect(polls).toHaveLength(5);
  });

  it('never confirms the offset of a poll that failed, and asks for the same updates again', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    answers = [[update(5)], new Error('ECONNRESET'), [update(6)]];
    source.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(polls.map((p) => p.offset).slice(0, 4)).toEqual([0, 6, 6, 7]);
    // Offset 6 counts as confirmed once, by the poll that was answered; 7 waits on the long poll.
    expect(confirmed).toEqual([0, 6]);
    expect(received.slice(0, 2)).toEqual([[update(5)], [update(6)]]);
  });

  it('stop() cuts a long poll short and ends the loop, with nothing polled after it', async () => {
    source.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(polls).toHaveLength(1);

    await source.stop(); // no timer advanced: the poll in flight was aborted, not waited out

    expect(status.intakeRunning).toBe(false);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(polls).toHaveLength(1);
  });

  it('stop() during a backoff ends the loop without waiting the backoff out', async () => {
    answers = [apiError(409)];
    source.start();
    await jest.advanceTimersByTimeAsync(0);

    await source.stop();

    expect(status.intakeRunning).toBe(false);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(polls).toHaveLength(1);
  });

  describe('with the lease', () => {
    let lease: ScriptedLease;
    beforeEach(() => {
      lease = new ScriptedLease();
      source = build(lease as unknown as PollingLease);
    });

    it('stands by (not ready) until it leads, and polls only during its term', async () => {
      source.start();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(polls).toHaveLength(0);
      expect(status.standby).toBe(true);

      lease.win();
      await jest.advanceTimersByTimeAsync(0);
      expect(polls).toHaveLength(1);
      expect(status.standby).toBe(false);

      lease.lose(); // the long poll in flight is cut short
      await jest.advanceTimersByTimeAsync(60_000);
      expect(polls).toHaveLength(1);
      expect(status.standby).toBe(true);
      expect(status.intakeRunning).toBe(false);
    });

    it('steps down on 409 instead of polling again, backing off longer each time', async () => {
      answers = [apiError(409), apiError(409)];
      source.start();
      lease.win();
      await jest.advanceTimersByTimeAsync(0);
      lease.win();
      await jest.advanceTimersByTimeAsync(0);

      expect(polls).toHaveLength(2);
      expect(lease.steppedDown).toHaveLength(2);
      expect(lease.steppedDown[1]).toBeGreaterThanOrEqual(lease.steppedDown[0]);
      expect(lease.steppedDown[0]).toBeGreaterThanOrEqual(2_500);
      expect(status.standby).toBe(true);
    });
  });
});
