import type Redis from 'ioredis';
import type { ClientContext, Result } from 'ioredis';
import { redisKey } from '../redis/redis-keys';

/**
 * One send's whole decision in one round trip, atomic across replicas, on Redis's clock (replicas'
 * clocks may differ): a bot-wide pause, the chat's pause, the chat's pace (GCRA: one key per chat,
 * expiring by itself), then the bot-wide pace (a GCRA for smoothness and a sliding-window log that
 * never lets more than `limit` sends into any window). Tokens are taken only when every check
 * passes; otherwise it returns the milliseconds to wait and which check refused.
 *
 * Lanes: a broadcast takes a global token only while no replica has an interactive call waiting
 * for one (the `demand` key, set by every interactive refusal) and only if `reserve` tokens of the
 * window stay free, so a reply arriving during a broadcast finds a token at once.
 *
 * KEYS: window, global tat, global pause, demand, chat tat, chat pause.
 * ARGV: member, has chat (0|1), lane (i|b), limit, window ms, global interval ms, global burst,
 *       chat interval ms, chat burst, reserve, demand ms, then pairs (member, ms): earlier sends of
 *       this replica that went out that much later than released (see sentLate), moved in the
 *       window before it is read, so delays that bunch sends together cannot overrun Telegram's
 *       second.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interactive = ARGV[3] == 'i'
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {paused, 'pause'} end
local hasChat = ARGV[2] == '1'
local chatTat = 0
local chatInterval = tonumber(ARGV[8])
if hasChat then
  local chatPaused = redis.call('PTTL', KEYS[6])
  if chatPaused > 0 then return {chatPaused, 'chat'} end
  chatTat = math.max(tonumber(redis.call('GET', KEYS[5]) or '0'), now)
  local chatWait = chatTat - (tonumber(ARGV[9]) - 1) * chatInterval - now
  if chatWait > 0 then return {math.ceil(chatWait), 'chat'} end
end
if not interactive then
  local demand = redis.call('PTTL', KEYS[4])
  if demand > 0 then return {demand, 'global'} end
end
for i = 12, #ARGV, 2 do
  local at = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if at then redis.call('ZADD', KEYS[1], 'XX', tonumber(at) + tonumber(ARGV[i + 1]), ARGV[i]) end
end
local limit = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local count = redis.call('ZCARD', KEYS[1])
local keep = interactive and 0 or tonumber(ARGV[10])
local wait = 0
local over = count - (limit - keep) + 1
if over > 0 then
  local leaving = redis.call('ZRANGE', KEYS[1], over - 1, over - 1, 'WITHSCORES')
  wait = tonumber(leaving[2]) + windowMs - now
end
local interval = tonumber(ARGV[6])
local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
wait = math.max(wait, tat - (tonumber(ARGV[7]) - 1) * interval - now)
if wait > 0 then
  wait = math.max(1, math.ceil(wait))
  if interactive then redis.call('SET', KEYS[4], '1', 'PX', wait + tonumber(ARGV[11])) end
  return {wait, 'global'}
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(windowMs * 2))
redis.call('SET', KEYS[2], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
if hasChat then
  local next = chatTat + chatInterval
  redis.call('SET', KEYS[5], tostring(next), 'PX', math.ceil(next - now) + 1000)
end
return {0, 'ok'}
`;

/** Sets a pause key for at least `ms` (never shortens a longer pause another replica set). */
const PAUSE = `
redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'GT')
return 1
`;

/** Marks this replica alive and returns how many replicas were alive within `ttl` ms. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

/** Which check refused a send: `pause` (bot-wide 429 pause), `chat`, or `global` (the pace). */
export type Refusal = 'pause' | 'chat' | 'global';
export type TakeResult = [waitMs: number, scope: Refusal | 'ok'];

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    tgbotOutboundTake(...args: (string | number)[]): Result<TakeResult, Context>;
    tgbotOutboundPause(key: string, ms: number): Result<number, Context>;
    tgbotOutboundHeartbeat(key: string, member: string, ttlMs: number): Result<number, Context>;
  }
}

/** The pace limits the script enforces, as the governor's options give them. */
export interface SharedLimits {
  globalPerSecond: number;
  globalBurst: number;
  /** The global window is 1 s plus this margin (network jitter on the way to Telegram). */
  windowMarginMs: number;
  chatPerSecond: number;
  chatBurst: number;
  groupPerMinute: number;
  groupBurst: number;
  /** Global tokens of the window a broadcast leaves free for interactive calls. */
  reserve: number;
  /** How long an interactive refusal holds broadcasts back beyond its own wait. */
  demandMs: number;
}

/**
 * The shared budget's Redis side: keys under `tgbot:<bot id>:outbound:` and the scripts, defined
 * once on the shared client with ioredis `defineCommand` (EVALSHA, falling back to EVAL).
 */
export class SharedBudgetScripts {
  constructor(
    private readonly redis: Redis,
    private readonly botId: number,
    private readonly limits: SharedLimits,
  ) {
    // Defined once per client (several instances in tests share one).
    if (typeof redis.tgbotOutboundTake !== 'function') {
      redis.defineCommand('tgbotOutboundTake', { numberOfKeys: 6, lua: TAKE });
      redis.defineCommand('tgbotOutboundPause', { numberOfKeys: 1, lua: PAUSE });
      redis.defineCommand('tgbotOutboundHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    }
  }

  /** Takes the global and (with `chat`) the chat's token, or says how long to wait. */
  take(
    member: string,
    chat: string | undefined,
    interactive: boolean,
    late: readonly (string | number)[] = [],
  ): Promise<TakeResult> {
    const l = this.limits;
    const group = chat !== undefined && isGroup(chat);
    const chatInterval = group ? 60_000 / l.groupPerMinute : 1000 / l.chatPerSecond;
    return this.redis.tgbotOutboundTake(
      this.key('window'),
      this.key('tat'),
      this.key('pause'),
      this.key('demand'),
      this.key('chat', chat ?? '-', 'tat'),
      this.key('chat', chat ?? '-', 'pause'),
      member,
      chat === undefined ? 0 : 1,
      interactive ? 'i' : 'b',
      l.globalPerSecond,
      1000 + l.windowMarginMs,
      1000 / l.globalPerSecond,
      l.globalBurst,
      chatInterval,
      group ? l.groupBurst : l.chatBurst,
      l.reserve,
      l.demandMs,
      ...late,
    );
  }

  /** Pauses every replica's sends (no `chat`) or those to `chat`, for at least `ms`. */
  pause(chat: string | undefined, ms: number): Promise<number> {
    const key = chat === undefined ? this.key('pause') : this.key('chat', chat, 'pause');
    return this.redis.tgbotOutboundPause(key, Math.max(1, Math.ceil(ms)));
  }

  /** Marks `replica` alive for `ttlMs`; resolves to the number of replicas alive. */
  heartbeat(replica: string, ttlMs: number): Promise<number> {
    return this.redis.tgbotOutboundHeartbeat(this.key('replicas'), replica, ttlMs);
  }

  /** Forgets `replica` (graceful stop), so the others' count drops at once. */
  async leave(replica: string): Promise<void> {
    await this.redis.zrem(this.key('replicas'), replica);
  }

  private key(...parts: string[]): string {
    return redisKey(this.botId, 'outbound', ...parts);
  }
}

/** Groups and channels: negative ids or @usernames (the governor's rule). */
export function isGroup(chat: string): boolean {
  return chat.startsWith('-') || chat.startsWith('@');
}
