import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { sleep } from '../../common/backoff';
import { errorMessage } from '../../common/error-message';
import {
  leaseConfig,
  telegramConfig,
  type LeaseConfig,
  type TelegramConfig,
} from '../../config/app.config';
import { redisKey } from '../../redis/redis-keys';
import { InjectRedis } from '../../redis/redis.module';
import { ReplicaIdentity } from '../ledger/replica-identity';
import { PollingLeaseMetrics, type LeaseEndReason } from './polling-lease.metrics';

/**
 * Share of the TTL a leader counts on after a renewal, measured from when it sent the renewal:
 * the rest absorbs clock-rate drift and late timers, so it stops before Redis can expire the key.
 */
const VALIDITY_SHARE = 0.8;
/** A follower tries to take the lease this often (at most), so a released lease is taken at once. */
const FOLLOWER_RETRY_MS = 1000;

/** Takes the lease if nobody holds it; its value carries a fencing token from INCR. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;
/** Compare-and-set: only the holder of exactly this value renews or releases it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** One period of leadership: poll only while it is valid. */
export interface LeaseTerm {
  /** Aborts when this replica must stop polling: lease lost, released, or not renewed in time. */
  readonly signal: AbortSignal;
  /** Fencing token: every term of every replica gets a higher one. */
  readonly token: number;
  /** Checked right before each poll, so a late timer cannot let a poll through. */
  valid(): boolean;
}

/** What /bot-optimization shows about the lease. */
export interface LeaseSnapshot {
  backend: 'redis' | null;
  leader: boolean;
  replicaId: string | null;
  token: number | null;
  ttlMs: number | null;
  leaderSince: Date | null;
}

class Term implements LeaseTerm {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly since = new Date();

  constructor(
    readonly token: number,
    readonly value: string,
    private validUntil: number,
    private readonly onExpired: () => void,
  ) {
    this.schedule();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  valid(): boolean {
    return !this.signal.aborted && performance.now() < this.validUntil;
  }

  extend(validUntil: number): void {
    this.validUntil = validUntil;
    this.schedule();
  }

  end(): void {
    clearTimeout(this.timer);
    this.controller.abort();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onExpired, Math.max(0, this.validUntil - performance.now()));
  }
}

/**
 * The polling leader lease in Redis (only with REDIS_URL in polling mode): SET NX PX with a
 * fencing token, renewed every third of its TTL and released by compare-and-set scripts. Redis
 * rather than a PostgreSQL advisory lock because the lock would hold a database connection for
 * the whole term, against the null pool's promise of no idle connection; and Redis is what
 * replicas share already. The rules: see docs/polling-failover.md.
 */
@Injectable()
export class PollingLease {
  private readonly logger = new Logger(PollingLease.name);
  private readonly key: string;
  private readonly fenceKey: string;
  private term: Term | null = null;
  private loop: Promise<void> | undefined;
  private stopping = new AbortController();
  private competeAfter = 0;

  constructor(
    @InjectRedis() private readonly redis: Redis | null,
    @Inject(leaseConfig.KEY) private readonly config: LeaseConfig,
    @Inject(telegramConfig.KEY) telegram: TelegramConfig,
    private readonly metrics: PollingLeaseMetrics,
    // Null unless the lease is on (see BotModule).
    @Inject(ReplicaIdentity) private readonly identity: ReplicaIdentity | null,
  ) {
    this.key = redisKey(telegram.botId, 'polling-lease');
    this.fenceKey = redisKey(telegram.botId, 'polling-lease-fence');
  }

  /** Whether polling needs the lease (polling mode with REDIS_URL); else this process just polls. */
  get enabled(): boolean {
    return this.config.enabled && this.redis !== null && this.identity !== null;
  }

  get leading(): boolean {
    return this.term?.valid() ?? false;
  }

  /** Competes for the lease until stop(); `lead` is called with every term this replica wins. */
  start(lead: (term: LeaseTerm) => void): void {
    this.stopping = new AbortController();
    this.loop = this.run(lead, this.stopping.signal);
  }

  /** Gives the lease up at once (Telegram answered 409) and competes again after `backoffMs`. */
  stepDown(backoffMs: number): void {
    this.competeAfter = performance.now() + backoffMs;
    this.endTerm('conflict', true);
  }

  /** Stops competing and releases the lease, so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const term = this.term;
    this.endTerm('released', false);
    if (term) await this.release(term);
  }

  snapshot(): LeaseSnapshot {
    const term = this.leading ? this.term : null;
    return {
      backend: this.enabled ? 'redis' : null,
      leader: term !== null,
      replicaId: this.enabled ? this.identity!.id : null,
      token: term?.token ?? null,
      ttlMs: this.enabled ? this.config.ttlMs : null,
      leaderSince: term?.since ?? null,
    };
  }

  private async run(lead: (term: LeaseTerm) => void, signal: AbortSignal): Promise<void> {
    const { ttlMs } = this.config;
    while (!signal.aborted) {
      if (this.term) await this.renew(this.term);
      else if (performance.now() >= this.competeAfter) {
        const term = await this.acquire();
        if (term && !signal.aborted) lead(term);
      }
      await sleep(this.term ? ttlMs / 3 : Math.min(FOLLOWER_RETRY_MS, ttlMs / 3), signal);
    }
  }

  private async acquire(): Promise<Term | null> {
    const value = this.identity!.id;
    const sentAt = performance.now();
    try {
      const token = Number(
        await this.redis!.eval(ACQUIRE, 2, this.key, this.fenceKey, value, this.config.ttlMs),
      );
      if (!token) return null;
      const term: Term = new Term(token, `${value}:${token}`, this.validUntil(sentAt), () => {
        if (this.term === term) this.endTerm('expired', false);
      });
      this.term = term;
      this.metrics.terms.inc();
      this.metrics.leader.set(1);
      this.logger.log(`Leading the polling replicas (lease token ${token})`);
      return term;
    } catch (error) {
      this.logger.warn(`could not compete for the polling lease: ${errorMessage(error)}`);
      return null;
    }
  }

  /** A failed renewal keeps the term until its deadline, when the timer ends it. */
  private async renew(term: Term): Promise<void> {
    const sentAt = performance.now();
    try {
      const renewed = await this.redis!.eval(RENEW, 1, this.key, term.value, this.config.ttlMs);
      if (this.term !== term) return;
      if (renewed === 1) term.extend(this.validUntil(sentAt));
      else this.endTerm('lost', false);
    } catch (error) {
      this.logger.warn(`could not renew the polling lease: ${errorMessage(error)}`);
    }
  }

  private async release(term: Term): Promise<void> {
    await this.redis!.eval(RELEASE, 1, this.key, term.value).catch((error: unknown) =>
      this.logger.warn(`could not release the polling lease: ${errorMessage(error)}`),
    );
  }

  private endTerm(reason: LeaseEndReason, release: boolean): void {
    const term = this.term;
    if (!term) return;
    this.term = null;
    term.end();
    this.metrics.leader.set(0);
    this.metrics.ended.inc({ reason });
    const message = `Stopped leading the polling replicas (${reason})`;
    if (reason === 'released') this.logger.log(message);
    else this.logger.warn(message);
    if (release) void this.release(term);
  }

  private validUntil(sentAt: number): number {
    return sentAt + this.config.ttlMs * VALIDITY_SHARE;
  }
}
