import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import type { LeaseConfig, TelegramConfig } from '../../config/app.config';
import { redisKey } from '../../redis/redis-keys';
import { ReplicaIdentity } from '../ledger/replica-identity';
import { PollingLease, type LeaseTerm } from './polling-lease';
import { PollingLeaseMetrics } from './polling-lease.metrics';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_MS = 1500;

/** One replica's lease, and the terms it won, in order. */
interface Replica {
  lease: PollingLease;
  redis: Redis;
  terms: LeaseTerm[];
  nextTerm: () => Promise<LeaseTerm>;
}

describe('PollingLease (real Redis)', () => {
  let botId: number;
  const replicas: Replica[] = [];

  const replica = (): Replica => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const config: LeaseConfig = { enabled: true, ttlMs: TTL_MS, dataDir: '' };
    const identity = new ReplicaIdentity(mkdtempSync(join(tmpdir(), 'lease-spec-')));
    const lease = new PollingLease(
      redis,
      config,
      { botId } as TelegramConfig,
      new PollingLeaseMetrics(new Registry()),
      identity,
    );
    const terms: LeaseTerm[] = [];
    let waiting: ((term: LeaseTerm) => void) | undefined;
    const r: Replica = {
      lease,
      redis,
      terms,
      nextTerm: () => new Promise((resolve) => (waiting = resolve)),
    };
    replicas.push(r);
    void once(redis, 'ready').then(() =>
      lease.start((term) => {
        terms.push(term);
        waiting?.(term);
      }),
    );
    return r;
  };
  const ended = (term: LeaseTerm) =>
    new Promise<void>((resolve) => term.signal.addEventListener('abort', () => resolve()));

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    botId = 900_000 + Math.floor(Math.random() * 100_000);
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      await r.lease.stop();
      r.redis.disconnect();
    }
  });

  it('lets exactly one of two replicas lead, and hands over at once when it stops', async () => {
    const a = replica();
    const b = replica();
    const first = await Promise.race([a.nextTerm(), b.nextTerm()]);
    const [leader, follower] = a.terms.includes(first) ? [a, b] : [b, a];
    const takeover = follower.nextTerm();

    await leader.lease.stop();
    const second = await takeover;

    expect(follower.terms).toEqual([second]);
    expect(leader.terms).toEqual([first]);
    expect(second.token).toBeGreaterThan(first.token);
    expect(first.valid()).toBe(false);
  });

  it('ends the term when another holder has the key (the leader was presumed dead)', async () => {
    const a = replica();
    const term = await a.nextTerm();
    await a.redis.set(redisKey(botId, 'polling-lease'), 'someone-else:99', 'PX', 60_000);

    await ended(term);

    expect(term.valid()).toBe(false);
    expect(a.lease.leading).toBe(false);
  });

  it('stops leading before its key can expire in Redis when renewals fail', async () => {
    const a = replica();
    const term = await a.nextTerm();
    const observer = new Redis(REDIS_URL);
    try {
      a.redis.disconnect(); // renewals fail from now on; the key still counts down in Redis

      await ended(term);
      const remainingMs = await observer.pttl(redisKey(botId, 'polling-lease'));

      // Still held in Redis when the leader gave up: nobody else could have polled meanwhile.
      expect(remainingMs).toBeGreaterThan(0);
    } finally {
      observer.disconnect();
    }
  });

  it('after a step-down (409) releases the lease to the other replica and waits before competing', async () => {
    const a = replica();
    const b = replica();
    const first = await Promise.race([a.nextTerm(), b.nextTerm()]);
    const [leader, follower] = a.terms.includes(first) ? [a, b] : [b, a];
    const takeover = follower.nextTerm();

    leader.lease.stepDown(60_000);
    await takeover;
    await follower.lease.stop(); // released: only the backoff keeps the first one out
    // An absence: wait longer than a follower's retry interval (1 s) for a term that must not come.
    await new Promise((resolve) => setTimeout(resolve, TTL_MS));

    expect(leader.terms).toEqual([first]);
    expect(follower.terms).toHaveLength(1);
  });
});

function once(emitter: Redis, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
