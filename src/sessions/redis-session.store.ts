import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { atMostEvery } from '../common/at-most-every';
import { errorMessage } from '../common/error-message';
import { serializeSession, type SessionData, type SessionStoreMethods } from './session-value';

/** Past this many remembered reads the memo is dropped: it only saves writes, never decides. */
const MAX_REMEMBERED = 10_000;

/**
 * Sessions in Redis, shared by every replica: each update reads its session with one GETEX
 * (which also renews its expiry), and nothing is cached across updates, since another replica may
 * have changed it. What that read returned is remembered until the update's write, so that an
 * unchanged session is not written back and an absent one is not deleted again.
 */
export class RedisSessionStore implements SessionStoreMethods {
  private readonly logger = new Logger(RedisSessionStore.name);
  private readonly warnGate = atMostEvery(30_000);
  /** Key → the JSON this update read (null: none). */
  private readonly lastRead = new Map<string, string | null>();

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (sessionKey: string) => string,
    private readonly ttlSec: number,
  ) {}

  /** Fails open: while Redis is down, every chat is answered as having no session. */
  async get(key: string): Promise<SessionData | undefined> {
    let json: string | null = null;
    try {
      json = await this.redis.getex(this.keyOf(key), 'EX', this.ttlSec);
    } catch (error) {
      if (this.warnGate()) {
        this.logger.warn(`sessions unavailable, answering without them: ${errorMessage(error)}`);
      }
    }
    this.remember(key, json);
    return json === null ? undefined : (JSON.parse(json) as SessionData);
  }

  async set(key: string, value: SessionData): Promise<void> {
    const json = serializeSession(value);
    if (json === null) return this.delete(key);
    const read = this.lastRead.get(key);
    this.lastRead.delete(key);
    if (read === json) return;
    await this.redis.set(this.keyOf(key), json, 'EX', this.ttlSec);
  }

  async delete(key: string): Promise<void> {
    const readNone = this.lastRead.get(key) === null;
    this.lastRead.delete(key);
    if (readNone) return;
    await this.redis.del(this.keyOf(key));
  }

  private remember(key: string, json: string | null): void {
    if (this.lastRead.size >= MAX_REMEMBERED) this.lastRead.clear();
    this.lastRead.set(key, json);
  }
}
