import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { atMostEvery } from '../../common/at-most-every';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { InjectMetricsRegistry } from '../../metrics/metrics.registry';

/** Wrong secrets one address may send within WINDOW_MS before it is refused for BLOCK_MS. */
export const WRONG_SECRET_BURST = 10;
const WINDOW_MS = 60_000;
export const WRONG_SECRET_BLOCK_MS = 60_000;
/** Addresses tracked at most: a flood from many addresses must not grow memory without bound. */
const MAX_TRACKED = 10_000;
const WARN_EVERY_MS = 30_000;

/** The outcome of the secret check: pass on, or answer with this status. */
export type SecretVerdict =
  | { ok: true }
  | { ok: false; status: 401 | 403 | 429; description: string; retryAfterSec?: number };

interface Strikes {
  count: number;
  windowEndsAt: number;
  blockedUntil: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The webhook's secret header, compared in constant time, with wrong guesses throttled per
 * address: after a burst of them, every request from that address is answered 429 for a while,
 * without looking at its secret, so guessing stops paying off. Counted in
 * telegram_bot_webhook_rejected_total. Hand-written: the throttler's storage cannot tell "blocked"
 * without counting a hit, and only wrong secrets may count.
 */
@Injectable()
export class WebhookSecretLimiter {
  private readonly logger = new Logger(WebhookSecretLimiter.name);
  private readonly expected: Buffer;
  private readonly strikes = new Map<string, Strikes>();
  private readonly rejected: Counter<'reason'>;
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);

  constructor(
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    @InjectMetricsRegistry() registry: Registry,
  ) {
    this.expected = digest(config.webhookSecret);
    this.rejected = new Counter({
      name: 'telegram_bot_webhook_rejected_total',
      help: 'Webhook requests refused before their body was read, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** Checks the secret header of a request from `address`. */
  check(address: string, header: unknown): SecretVerdict {
    const now = Date.now();
    const entry = this.strikes.get(address);
    if (entry && entry.blockedUntil > now) {
      this.rejected.inc({ reason: 'throttled' });
      const retryAfterSec = Math.ceil((entry.blockedUntil - now) / 1000);
      return { ok: false, status: 429, description: 'too many wrong secrets', retryAfterSec };
    }
    if (typeof header !== 'string') {
      this.rejected.inc({ reason: 'missing' });
      this.strike(address, now);
      return { ok: false, status: 401, description: 'secret token header missing' };
    }
    if (!timingSafeEqual(digest(header), this.expected)) {
      this.rejected.inc({ reason: 'wrong' });
      this.strike(address, now);
      return { ok: false, status: 403, description: 'wrong secret token' };
    }
    return { ok: true };
  }

  private strike(address: string, now: number): void {
    let entry = this.strikes.get(address);
    if (!entry || entry.windowEndsAt <= now) {
      if (!entry && this.strikes.size >= MAX_TRACKED) this.forgetExpired(now);
      entry = { count: 0, windowEndsAt: now + WINDOW_MS, blockedUntil: 0 };
      this.strikes.set(address, entry);
    }
    if (++entry.count < WRONG_SECRET_BURST) return;
    entry.blockedUntil = now + WRONG_SECRET_BLOCK_MS;
    entry.windowEndsAt = entry.blockedUntil;
    entry.count = 0;
    if (this.warnGate())
      this.logger.warn(
        `webhook: ${WRONG_SECRET_BURST} wrong secrets from ${address}; answering it 429 for ${WRONG_SECRET_BLOCK_MS / 1000} s`,
      );
  }

  private forgetExpired(now: number): void {
    for (const [address, entry] of this.strikes)
      if (entry.windowEndsAt <= now && entry.blockedUntil <= now) this.strikes.delete(address);
    // Still full: the oldest addresses go first (Maps iterate in insertion order).
    for (const address of this.strikes.keys()) {
      if (this.strikes.size < MAX_TRACKED) break;
      this.strikes.delete(address);
    }
  }
}
