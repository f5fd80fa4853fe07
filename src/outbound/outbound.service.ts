import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Telegram } from 'telegraf';
import { backoffDelay, sleep } from '../common/backoff';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { governorOptions } from './outbound-budget.providers';
import { OUTBOUND_GATE, type OutboundGate } from './outbound-gate';
import { OutboundClosedError, OutboundGovernor, type OutboundLane } from './outbound.governor';
import { OutboundMetrics, type OutboundStats } from './outbound.metrics';
import { classifyFailure, isRetryable } from './retry-policy';

export type { OutboundLane } from './outbound.governor';

/** How one call may be cut short: the caller's signal, and a deadline for the answer. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds to wait for the answer once the request is sent (none: no deadline). */
  timeoutMs?: number;
  /**
   * Awaited once, when the call has passed flood control and is about to be sent: the outbox
   * records the attempt here (see UpdateTelegram), so a call waiting for its turn is not one.
   */
  beforeSend?: () => Promise<void>;
  /** Broadcasts wait behind interactive replies (default: interactive). */
  lane?: OutboundLane;
}

/**
 * A transport: Telegraf's `Telegram#callApi` signature, plus the deadline, which the transport
 * enforces (so the governed path needs no timer of its own per call).
 */
export type CallApi = (method: string, payload: any, options?: CallOptions) => Promise<any>;

/** Calls that are not flood-governed: intake (the long poll brings its own signal) and lifecycle. */
const PASSTHROUGH = new Set([
  'getUpdates',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
  'getMe',
  'close',
  'logOut',
]);

/** Retry limits. 429s are Telegram saying "not now", so a broadcast waits them out longer. */
export const OUTBOUND_RETRY = {
  /** Re-sends after 5xx and network errors. */
  errorRetries: 3,
  backoff: { baseMs: 500, maxMs: 8000 },
  floodRetries: { interactive: 5, broadcast: 20 } as Record<OutboundLane, number>,
  /** A longer retry_after is not waited out: the call fails (the pause still applies to others). */
  maxRetryAfterSec: { interactive: 60, broadcast: 600 } as Record<OutboundLane, number>,
};

/** Methods that put a message into a chat: they take a token from the chat and the global bucket. */
export function usesMessageBuckets(method: string): boolean {
  return (
    (method.startsWith('send') && method !== 'sendChatAction') ||
    method.startsWith('forwardMessage') ||
    method.startsWith('copyMessage') ||
    method.startsWith('editMessage') ||
    method === 'stopPoll'
  );
}

/**
 * The flood-controlled sender behind every Bot API call: per-call timeout (API_TIMEOUT_MS), token
 * buckets (OUTBOUND_* settings), interactive/broadcast lanes, 429 pauses, retries that never
 * duplicate a message. A call refused with 403 (bot blocked) rejects with Telegraf's TelegramError
 * and is counted as blocked; every other final failure rejects with the original error too.
 */
@Injectable()
export class OutboundService implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboundService.name);
  private readonly governor: OutboundGate;
  private readonly metrics: OutboundMetrics;
  private client?: Telegram;
  private readonly timeoutMs: number;
  /** Aborted at shutdown: cuts retry waits short so no timer outlives the app. */
  private readonly stopping = new AbortController();

  constructor(
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    @InjectMetricsRegistry() registry: Registry,
    /** The budget shared by all replicas (REDIS_URL); absent: this process's own governor. */
    @Optional() @Inject(OUTBOUND_GATE) shared?: OutboundGate | null,
  ) {
    this.timeoutMs = config.apiTimeoutMs;
    this.governor = shared ?? new OutboundGovernor(governorOptions(config));
    this.metrics = new OutboundMetrics(
      registry,
      (lane) => this.governor.queued(lane),
      () => this.governor.budget(),
    );
  }

  /** Queued calls and what became of sent ones, for the operator endpoints and /stats. */
  get stats(): OutboundStats {
    return this.metrics;
  }

  /**
   * Sets the client `call()` goes through: the bot's one governed client (see GovernedTelegram),
   * which sends every call back through `send()`.
   */
  useClient(telegram: Telegram): void {
    this.client = telegram;
  }

  /**
   * A governed call through the bot's client, on `lane` (broadcasts use the broadcast lane);
   * `beforeSend` as in CallOptions.
   */
  call<T = unknown>(
    method: string,
    payload: Record<string, unknown>,
    lane: OutboundLane = 'interactive',
    beforeSend?: () => Promise<void>,
  ): Promise<T> {
    if (!this.client) return Promise.reject(new Error('OutboundService has no client yet'));
    const options: CallOptions = { lane, beforeSend };
    return this.client.callApi(method as never, payload as never, options as never);
  }

  /** Calls waiting on `lane`, for /bot-optimization. */
  queued(lane: OutboundLane): number {
    return this.governor.queued(lane);
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
    this.governor.close();
  }

  /**
   * One Bot API call over `transport`, governed: the governor's gate, the deadline
   * (API_TIMEOUT_MS), classification of failures, retries. Intake and lifecycle methods
   * (getUpdates, setWebhook, deleteWebhook, getWebhookInfo, getMe, close, logOut) pass straight
   * through.
   */
  async send(
    method: string,
    payload: any,
    options: CallOptions | undefined,
    transport: CallApi,
  ): Promise<any> {
    const lane = options?.lane ?? 'interactive';
    if (PASSTHROUGH.has(method)) {
      this.metrics.apiCalls.inc({ method });
      // The long poll brings its own signal and deadline; lifecycle calls get API_TIMEOUT_MS.
      return transport(method, payload, options ?? { timeoutMs: this.timeoutMs });
    }
    const chatId = usesMessageBuckets(method) ? chatOf(payload) : undefined;
    let errorRetries = 0;
    let floodRetries = 0;
    for (let attempt = 0; ; attempt++) {
      await this.gate(method, chatId, lane, attempt > 0);
      if (attempt === 0 && options?.beforeSend) {
        const releasedAt = Date.now();
        await options.beforeSend();
        if (chatId !== undefined) this.governor.sentLate(releasedAt, Date.now());
      }
      this.metrics.apiCalls.inc({ method });
      try {
        const result = await transport(method, payload, {
          signal: options?.signal,
          timeoutMs: this.timeoutMs,
        });
        this.metrics.sent.inc();
        return result;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'blocked') {
          this.metrics.blocked.inc();
          throw error;
        }
        if (failure.kind === 'flood') {
          this.metrics.floods.inc();
          const scope = this.governor.reportFlood(chatId, failure.retryAfterSec * 1000);
          if (scope === 'global') {
            this.logger.warn(`429 on ${method}: all calls paused for ${failure.retryAfterSec} s`);
          }
          const giveUp =
            floodRetries >= OUTBOUND_RETRY.floodRetries[lane] ||
            failure.retryAfterSec > OUTBOUND_RETRY.maxRetryAfterSec[lane];
          if (giveUp || this.stopping.signal.aborted) throw this.fail(method, error);
          floodRetries++;
          this.metrics.retries.inc();
          continue; // the gate holds the retry until the pause is over
        }
        const retry =
          isRetryable(failure, method) &&
          errorRetries < OUTBOUND_RETRY.errorRetries &&
          !options?.signal?.aborted &&
          !this.stopping.signal.aborted;
        if (!retry) throw this.fail(method, error);
        this.metrics.retries.inc();
        await sleep(backoffDelay(errorRetries++, OUTBOUND_RETRY.backoff), this.stopping.signal);
        if (this.stopping.signal.aborted) throw this.fail(method, error);
      }
    }
  }

  /** Message calls wait for their buckets; other calls only for a bot-wide 429 pause. */
  private async gate(
    method: string,
    chatId: string | number | undefined,
    lane: OutboundLane,
    retry: boolean,
  ): Promise<void> {
    if (usesMessageBuckets(method)) return this.governor.acquire(chatId, lane, retry);
    const pause = this.governor.globalPauseMs();
    if (pause > 0) await sleep(pause, this.stopping.signal);
    if (this.stopping.signal.aborted) throw new OutboundClosedError();
  }

  private fail(method: string, error: unknown): unknown {
    this.metrics.failed.inc();
    // TelegramError messages are "code: description"; network errors are token-redacted by Telegraf.
    this.logger.warn(`${method} failed: ${(error as Error)?.message ?? String(error)}`);
    return error;
  }
}

function chatOf(payload: any): string | number | undefined {
  const chatId = payload?.chat_id;
  return typeof chatId === 'number' || typeof chatId === 'string' ? chatId : undefined;
}
