import { join } from 'node:path';
import { ConfigType, registerAs } from '@nestjs/config';
import type { Env } from './env.schema';
import { validateEnv } from './env.validation';
import { deriveWebhookSecret } from './webhook-secret';

let parsed: Env | undefined;

/** The validated environment, parsed once per process (tests reset it with `resetConfigCache`). */
export function loadEnv(): Env {
  parsed ??= validateEnv(process.env);
  return parsed;
}

export function resetConfigCache(): void {
  parsed = undefined;
}

const ids = (list?: string) =>
  (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);

export const httpConfig = registerAs('http', () => {
  const env = loadEnv();
  return { host: env.HOST, port: env.PORT, opsPort: env.OPS_PORT, metricsToken: env.METRICS_TOKEN };
});

export const telegramConfig = registerAs('telegram', () => {
  const env = loadEnv();
  return {
    token: env.TELEGRAM_BOT_TOKEN,
    /** The numeric part of the token: safe to show and to put in Redis keys, unlike the token. */
    botId: Number(env.TELEGRAM_BOT_TOKEN.split(':')[0]),
    apiRoot: env.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    mode: env.BOT_MODE,
    adminIds: ids(env.ADMIN_USER_ID),
    pollingTimeoutSec: env.POLLING_TIMEOUT,
    readLatencySec: env.READ_LATENCY,
    pollingLimit: env.POLLING_LIMIT,
    // my_chat_member: a user blocked or unblocked the bot (see ChatMemberUpdate).
    allowedUpdates: ['message', 'callback_query', 'my_chat_member'] as const,
    webhookUrl: env.WEBHOOK_URL,
    // Unset: derived from the token (see deriveWebhookSecret); never logged either way.
    webhookSecret: env.WEBHOOK_SECRET ?? deriveWebhookSecret(env.TELEGRAM_BOT_TOKEN),
    webhookSecretDerived: !env.WEBHOOK_SECRET,
    webhookMaxConnections: env.WEBHOOK_MAX_CONNECTIONS,
    dispatchConcurrency: env.DISPATCH_CONCURRENCY,
    updateTimeoutMs: env.UPDATE_TIMEOUT_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    apiTimeoutMs: env.API_TIMEOUT_MS,
    outbound: {
      globalPerSecond: env.OUTBOUND_GLOBAL_PER_SECOND,
      chatPerSecond: env.OUTBOUND_CHAT_PER_SECOND,
      groupPerMinute: env.OUTBOUND_GROUP_PER_MINUTE,
    },
    /** At least this many replicas split the global limit while Redis is unreachable. */
    outboundReplicas: env.OUTBOUND_REPLICAS,
  };
});

/** Database settings from (a subset of) the validated environment. */
export function toDatabaseConfig(
  env: Pick<
    Env,
    | 'DATABASE_URL'
    | 'DATA_DIR'
    | 'DB_APPLICATION_NAME'
    | 'DB_POOL_MAX'
    | 'DB_IDLE_TIMEOUT_MS'
    | 'DB_QUERY_TIMEOUT_MS'
    | 'DB_CONNECT_RETRIES'
    | 'DB_MIGRATIONS_RUN'
    | 'DB_PREPARED_STATEMENTS'
  >,
) {
  return {
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    applicationName: env.DB_APPLICATION_NAME,
    poolMax: env.DB_POOL_MAX,
    idleTimeoutMs: env.DB_IDLE_TIMEOUT_MS,
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
    connectRetries: env.DB_CONNECT_RETRIES,
    migrationsRun: env.DB_MIGRATIONS_RUN,
    preparedStatements: env.DB_PREPARED_STATEMENTS,
  };
}

export const databaseConfig = registerAs('database', () => toDatabaseConfig(loadEnv()));

export const cacheConfig = registerAs('cache', () => {
  const env = loadEnv();
  return { ttlSec: env.CACHE_TTL, max: env.CACHE_MAX, redisUrl: env.REDIS_URL };
});

export const rateLimitConfig = registerAs('rateLimit', () => {
  const env = loadEnv();
  return { limit: env.RATE_LIMIT, windowSec: env.RATE_LIMIT_WINDOW, redisUrl: env.REDIS_URL };
});

export const sessionConfig = registerAs('session', () => {
  const env = loadEnv();
  return { ttlSec: env.SESSION_TTL_SEC, redisUrl: env.REDIS_URL };
});

export const batchConfig = registerAs('batch', () => {
  const env = loadEnv();
  return {
    size: env.BATCH_SIZE,
    flushIntervalMs: env.BATCH_FLUSH_INTERVAL_MS,
    maxPending: env.BATCH_MAX_PENDING,
    journalDir: env.BATCH_JOURNAL ? join(env.DATA_DIR, 'journal') : null,
    journalFsync: env.JOURNAL_FSYNC,
  };
});

/** Broadcast campaigns (see src/broadcasts). */
export const broadcastConfig = registerAs('broadcast', () => ({
  /** Sends carry allow_paid_broadcast: for bots that pay Telegram to exceed 30 messages/s. */
  paid: loadEnv().BROADCAST_PAID,
}));

/** The polling leader lease (POLLING_LEASE, polling mode): one poller among the replicas. */
export const leaseConfig = registerAs('lease', () => {
  const env = loadEnv();
  return {
    enabled: env.POLLING_LEASE && env.BOT_MODE === 'polling',
    ttlMs: env.POLLING_LEASE_TTL_MS,
    /** Where this replica keeps its identity: the owner of the intake journal in DATA_DIR. */
    dataDir: env.DATA_DIR,
  };
});

export const logConfig = registerAs('log', () => ({ level: loadEnv().LOG_LEVEL }));

/** Settings of the Node runtime that the process reports but does not apply itself. */
export const runtimeConfig = registerAs('runtime', () => ({
  threadPoolSize: loadEnv().UV_THREADPOOL_SIZE,
}));

export type HttpConfig = ConfigType<typeof httpConfig>;
export type TelegramConfig = ConfigType<typeof telegramConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type CacheConfig = ConfigType<typeof cacheConfig>;
export type RateLimitConfig = ConfigType<typeof rateLimitConfig>;
export type SessionConfig = ConfigType<typeof sessionConfig>;
export type BatchConfig = ConfigType<typeof batchConfig>;
export type LogConfig = ConfigType<typeof logConfig>;
export type BroadcastConfig = ConfigType<typeof broadcastConfig>;
export type LeaseConfig = ConfigType<typeof leaseConfig>;
export type RuntimeConfig = ConfigType<typeof runtimeConfig>;

export const allConfigs = [
  httpConfig,
  telegramConfig,
  databaseConfig,
  cacheConfig,
  rateLimitConfig,
  sessionConfig,
  batchConfig,
  broadcastConfig,
  logConfig,
  leaseConfig,
  runtimeConfig,
];
