import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { RedisClientType } from '@keyv/redis';
import type Redis from 'ioredis';
import { cacheConfig, type CacheConfig } from '../config/app.config';
import {
  reconnectDelay,
  REDIS_COMMAND_TIMEOUT_MS,
  REDIS_CONNECT_TIMEOUT_MS,
  type RedisConnection,
} from './redis-connection';
import { RedisHealth } from './redis.health';

/**
 * DI token of the shared ioredis client (rate limit, update claims); `null` without REDIS_URL.
 * The cache needs node-redis (its Keyv store takes no ioredis client): `CACHE_REDIS_CLIENT`.
 */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);
export const CACHE_REDIS_CLIENT = Symbol('CACHE_REDIS_CLIENT');
const REDIS_CONNECTIONS = Symbol('REDIS_CONNECTIONS');

type Clients = { shared: Redis | null; cache: RedisClientType | null };

/**
 * Opens every Redis connection of the app, with one policy: reconnect with backoff forever,
 * commands fail fast while disconnected (no offline queue) so callers fail open, errors counted
 * and logged at most every 30 s. Absent without REDIS_URL (single instance).
 */
async function connect(url: string, health: RedisHealth): Promise<Clients> {
  // Loaded only with REDIS_URL: the clients add ~40 MB of RSS to a single instance.
  const [{ default: IORedis }, { createClient }] = await Promise.all([
    import('ioredis'),
    import('@keyv/redis'),
  ]);
  const shared = new IORedis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => reconnectDelay(times - 1),
  });
  watch(health.connection('shared'), shared);

  const cache = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => reconnectDelay(retries),
    },
  }) as RedisClientType;
  watch(health.connection('cache'), cache);
  // Resolves once connected; until then it keeps reconnecting and commands fail fast.
  cache.connect().catch(() => undefined);
  return { shared, cache };
}

/**
 * ioredis and node-redis both emit `ready` and `error` (an `error` without a listener would kill
 * the process); a lost connection is `close` (ioredis) or `reconnecting`/`end` (both).
 */
function watch(
  connection: RedisConnection,
  client: { on(event: string, listener: (...args: any[]) => void): unknown },
): void {
  client.on('ready', () => connection.ready());
  client.on('error', (error: unknown) => connection.error(error));
  for (const event of ['close', 'reconnecting', 'end']) client.on(event, () => connection.closed());
}

/** The app's Redis connections and their health; absent without REDIS_URL. */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    RedisHealth,
    {
      provide: REDIS_CONNECTIONS,
      inject: [cacheConfig.KEY, RedisHealth],
      useFactory: async (config: CacheConfig, health: RedisHealth): Promise<Clients> =>
        config.redisUrl ? connect(config.redisUrl, health) : { shared: null, cache: null },
    },
    { provide: REDIS_CLIENT, inject: [REDIS_CONNECTIONS], useFactory: (c: Clients) => c.shared },
    {
      provide: CACHE_REDIS_CLIENT,
      inject: [REDIS_CONNECTIONS],
      useFactory: (c: Clients) => c.cache,
    },
  ],
  exports: [REDIS_CLIENT, CACHE_REDIS_CLIENT, RedisHealth],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CONNECTIONS) private readonly clients: Clients) {}

  /**
   * Runs after the drain, when no command is in flight. Closed at once rather than with QUIT: a
   * QUIT sent while node-redis is reconnecting never settles.
   */
  async onApplicationShutdown(): Promise<void> {
    const { shared, cache } = this.clients;
    shared?.disconnect();
    if (cache?.isOpen) await cache.disconnect().catch(() => undefined);
  }
}
