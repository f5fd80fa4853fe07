/** What every baseline bot reads from its environment (set by the bench). */
export function baselineEnv(): {
  token: string;
  apiRoot: string;
  databaseUrl?: string;
  applicationName: string;
} {
  const token = process.env.TELEGRAM_BOT_TOKEN;
  const apiRoot = process.env.TELEGRAM_API_ROOT;
  if (!token || !apiRoot) throw new Error('TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT are required');
  return {
    token,
    apiRoot,
    databaseUrl: process.env.DATABASE_URL,
    applicationName: process.env.DB_APPLICATION_NAME ?? 'bench-baseline',
  };
}

/** Exits cleanly on SIGTERM/SIGINT after `stop` (so the bench can count what was written). */
export function exitOn(stop: () => Promise<void> | void): void {
  const handler = () => {
    Promise.resolve()
      .then(stop)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
