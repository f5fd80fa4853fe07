import type { Env } from './env.schema';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** What an operator should hear once at boot about the configuration (never a value). */
export function bootNotices(env: Env): { level: 'log' | 'warn'; message: string }[] {
  const notices: { level: 'log' | 'warn'; message: string }[] = [];
  if (env.BOT_MODE === 'webhook' && !env.WEBHOOK_SECRET) {
    notices.push({
      level: 'log',
      message:
        'WEBHOOK_SECRET is unset: using a secret derived from the bot token (HMAC-SHA256), the same on every replica',
    });
  }
  if (env.OPS_PORT === undefined && !env.METRICS_TOKEN && !LOOPBACK.has(env.HOST)) {
    notices.push({
      level: 'warn',
      message: `/performance, /bot-optimization, /db-status and /metrics answer anyone who reaches ${env.HOST}:${env.PORT}: set OPS_PORT (a port you do not expose) or METRICS_TOKEN`,
    });
  }
  return notices;
}
