import { z } from 'zod';
import { WEBHOOK_SECRET_HINT, WEBHOOK_SECRET_PATTERN } from './webhook-secret';

const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

/** Every environment variable the service reads, with its default. Values are never echoed in errors. */
/** The variables on their own (without cross-field rules), e.g. for picking a subset. */
export const envFields = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string({ message: 'is required (the token from @BotFather)' })
    .regex(/^\d+:[A-Za-z0-9_-]+$/, { message: 'must look like 123456:ABC-DEF… (value hidden)' }),
  TELEGRAM_API_ROOT: url(['http:', 'https:']).default('https://api.telegram.org'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  ADMIN_USER_ID: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, {
      message: 'must be one or more numeric ids, comma-separated',
    })
    .optional(),
  PORT: int(0, 65535).default(5000),
  HOST: z.string().min(1).default('0.0.0.0'),
  OPS_PORT: int(0, 65535).optional(),
  BOT_MODE: z
    .enum(['polling', 'webhook'], { message: 'must be polling or webhook' })
    .default('polling'),
  WEBHOOK_URL: url(['https:', 'http:']).optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(WEBHOOK_SECRET_PATTERN, { message: WEBHOOK_SECRET_HINT })
    .optional(),
  WEBHOOK_MAX_CONNECTIONS: int(1, 100).default(40),
  POLLING_TIMEOUT: int(0, 50).default(30),
  READ_LATENCY: int(1, 60).default(5),
  POLLING_LIMIT: int(1, 100).default(100),
  // Polling replicas elect one poller through a lease in Redis (needs REDIS_URL).
  POLLING_LEASE: bool.default(false),
  // A dead leader is replaced within about this.
  POLLING_LEASE_TTL_MS: int(1500, 60_000).default(5000),
  CACHE_TTL: int(1).default(300),
  CACHE_MAX: int(1, 1_000_000).default(5000),
  RATE_LIMIT: int(1).default(10),
  RATE_LIMIT_WINDOW: int(1).default(60),
  BATCH_SIZE: int(1, 1000).default(50),
  BATCH_FLUSH_INTERVAL_MS: int(10).default(1000),
  BATCH_MAX_PENDING: int(1).default(10000),
  BATCH_JOURNAL: bool.default(true),
  JOURNAL_FSYNC: z
    .enum(['always', 'everysec'], { message: 'must be always or everysec' })
    .default('always'),
  DISPATCH_CONCURRENCY: int(1, 10000).default(64),
  UPDATE_TIMEOUT_MS: int(100).default(20000),
  SHUTDOWN_TIMEOUT_MS: int(100).default(20000),
  API_TIMEOUT_MS: int(100).default(10000),
  OUTBOUND_GLOBAL_PER_SECOND: int(1).default(30),
  OUTBOUND_CHAT_PER_SECOND: int(1).default(1),
  OUTBOUND_GROUP_PER_MINUTE: int(1).default(20),
  // Broadcast campaigns (src/broadcasts): send with allow_paid_broadcast (paid, above 30/s).
  BROADCAST_PAID: bool.default(false),
  // Replicas assumed (at least) when the shared outbound budget falls back to a local share.
  OUTBOUND_REPLICAS: int(1).default(1),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  SESSION_TTL_SEC: int(60).default(7 * 24 * 3600),
  METRICS_TOKEN: z
    .string()
    .min(16, { message: 'must be at least 16 characters (value hidden)' })
    .optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  // libuv reads it itself at start-up; the config validates it and reports it on /performance.
  UV_THREADPOOL_SIZE: int(1, 1024).default(4),
  DB_APPLICATION_NAME: z.string().min(1).max(63).default('telegram-bot'),
  DB_POOL_MAX: int(1, 20).default(2),
  DB_IDLE_TIMEOUT_MS: int(1, 10000).default(500),
  DB_QUERY_TIMEOUT_MS: int(100).default(15000),
  DB_CONNECT_RETRIES: int(0, 100).default(10),
  DB_MIGRATIONS_RUN: bool.default(true),
  DB_PREPARED_STATEMENTS: bool.default(true),
});

export const envSchema = envFields.superRefine((env, ctx) => {
  if (env.POLLING_LEASE && !env.REDIS_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['POLLING_LEASE'],
      message: 'needs REDIS_URL (the lease lives in Redis)',
    });
  }
  if (env.BOT_MODE !== 'webhook') return;
  if (!env.WEBHOOK_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['WEBHOOK_URL'],
      message: 'is required when BOT_MODE=webhook',
    });
  }
});

export type Env = z.infer<typeof envSchema>;
