import { once } from 'node:events';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { errorMessage } from '../../common/error-message';
import { redisKey } from '../../redis/redis-keys';

/** Telegram keeps an unconfirmed update for 24 h, so a claim never needs to outlive that. */
const CLAIM_TTL_SEC = 24 * 60 * 60;
/** At boot the connection may still be opening: a claim waits this long for it. */
const READY_WAIT_MS = 3000;
/** For each key: take it if free, and say whether it is (now) this owner's. */
const CLAIM_SCRIPT = `
local owned = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'EX', ARGV[2]) or redis.call('GET', key) == ARGV[1] then
    owned[i] = 1
  else
    owned[i] = 0
  end
end
return owned`;

/**
 * Which replica runs an update: the first to claim it, for a day. Telegram sends an unconfirmed
 * update again to whoever polls next (after a polling failover), and a webhook delivery that got
 * no answer again to any replica, so two journals can hold it; the claim makes exactly one of
 * them run it. A
 * replica claims only updates already durable in its own journal, so a claimed update is never
 * lost: its owner finishes it, at the latest when it restarts with its DATA_DIR.
 */
export class UpdateClaims {
  private readonly logger = new Logger(UpdateClaims.name);

  constructor(
    private readonly redis: Redis,
    private readonly botId: number,
    /** The replica's stable identity (see ReplicaIdentity). */
    private readonly owner: string,
  ) {}

  /**
   * Claims the updates and returns those this replica owns. A Redis failure lets them all through:
   * with Redis down no replica can take the lease over either.
   */
  async claim(updateIds: number[]): Promise<Set<number>> {
    if (updateIds.length === 0) return new Set();
    try {
      if (this.redis.status !== 'ready')
        await once(this.redis, 'ready', { signal: AbortSignal.timeout(READY_WAIT_MS) });
      const keys = updateIds.map((id) => redisKey(this.botId, 'update-owner', id));
      const owned = (await this.redis.eval(
        CLAIM_SCRIPT,
        keys.length,
        ...keys,
        this.owner,
        CLAIM_TTL_SEC,
      )) as number[];
      return new Set(updateIds.filter((_, i) => owned[i] === 1));
    } catch (error) {
      this.logger.warn(`could not claim updates in Redis: ${errorMessage(error)}`);
      return new Set(updateIds);
    }
  }
}
