import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Entry {
  /** Expiry times of the hits still in the window, oldest first. */
  hits: number[];
  windowEndsAt: number;
  blockedUntil: number;
}

/** Entries idle this long past their window are swept (a full window, so nothing live is lost). */
const SWEEP_EVERY_MS = 60_000;

/**
 * In-memory counters with @nestjs/throttler's semantics (the sliding window of its
 * ThrottlerStorageService: a hit counts for `ttl`; over `limit`, the key is blocked for
 * `blockDuration` and its hits are reset when the block ends), in one small object per key.
 *
 * Why not ThrottlerStorageService itself: per key it keeps a record, a Map of names and a Map of
 * hit arrays, and copies the hit array on every increment. For a bot that counts every update of
 * every user, that was ~3% of the service's CPU in the burst bench, and ~3× the memory per user.
 * Here a key holds one throttler's hits: RateLimitService uses a key per user and per purpose, so
 * `throttlerName` is not needed to tell counters apart.
 */
export class MemoryRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  /** Keys held in memory (bounded by the sweep). */
  get size(): number {
    return this.entries.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { hits: [], windowEndsAt: now + ttl, blockedUntil: 0 };
      this.entries.set(key, entry);
    }
    const { hits } = entry;
    while (hits.length > 0 && hits[0] <= now) hits.shift();
    if (entry.windowEndsAt <= now) entry.windowEndsAt = now + ttl;
    let blocked = entry.blockedUntil > 0;
    if (blocked && entry.blockedUntil <= now) {
      // The block is over: start counting afresh.
      blocked = false;
      entry.blockedUntil = 0;
      hits.length = 0;
    }
    if (!blocked) {
      addHit(hits, now + ttl);
      if (hits.length > limit) {
        blocked = true;
        entry.blockedUntil = now + blockDuration;
      }
    }
    return Promise.resolve({
      totalHits: hits.length,
      timeToExpire: Math.ceil((entry.windowEndsAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil((entry.blockedUntil - now) / 1000) : 0,
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      const lastHit = entry.hits.length ? entry.hits[entry.hits.length - 1] : 0;
      if (entry.blockedUntil <= now && entry.windowEndsAt <= now && lastHit <= now)
        this.entries.delete(key);
    }
  }
}

/** Keeps `hits` in expiry order (a key's ttl is usually constant, so this is a push). */
function addHit(hits: number[], expiresAt: number): void {
  let i = hits.length;
  while (i > 0 && hits[i - 1] > expiresAt) i--;
  hits.splice(i, 0, expiresAt);
}
