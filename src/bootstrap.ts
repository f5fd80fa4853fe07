import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { webhookPath } from './bot/intake/webhook.middleware';
import { loadEnv } from './config/app.config';
import { bootNotices } from './config/boot-notices';
import { ConfigValidationError } from './config/env.validation';
import { DataDirLock } from './data-dir/data-dir.lock';
import { bootLogger, fatalLine } from './logging/logger-params';
import { OpsListener } from './metrics/ops-listener';

export async function createApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // Pino from the first line: boot can wait minutes for the database, so nothing is buffered.
    logger: bootLogger(loadEnv().LOG_LEVEL),
    bodyParser: false,
    // Throw instead of process.exit(1), so bootstrap can print one clean line (and tests can catch).
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const env = loadEnv();
  const notices = new NestLogger('Config');
  for (const { level, message } of bootNotices(env)) notices[level](message);
  // Security headers on every answer (helmet's defaults), and no X-Powered-By.
  app.disable('x-powered-by');
  app.use(helmet());
  // With OPS_PORT, each path answers only on its own listener.
  app.use(app.get(OpsListener).route);
  // The webhook route reads its own body, after the secret check (see WebhookMiddleware).
  const { BOT_MODE, WEBHOOK_URL } = env;
  const skip = BOT_MODE === 'webhook' && WEBHOOK_URL ? webhookPath(WEBHOOK_URL) : undefined;
  app.useBodyParser('json', {
    limit: '100kb',
    type: (req: IncomingMessage) =>
      (req.headers['content-type'] ?? '').includes('json') &&
      (!skip || req.url?.split('?')[0] !== skip),
  });
  return app;
}

/** What closing connections and files may take after the drain deadline. */
const SHUTDOWN_CLOSE_MARGIN_MS = 5000;

async function bootstrap(): Promise<void> {
  // A local .env is convenient in development; real environment variables always win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = loadEnv();
  const app = await createApp();
  // Our own signal handling rather than enableShutdownHooks(), which re-raises the signal after
  // closing: a drained stop should exit 0, a failed one 1.
  let stopping = false;
  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // The drain keeps to SHUTDOWN_TIMEOUT_MS; a close hook still waiting after it (a library
    // awaiting a connection that never comes) must not keep the process alive.
    const limitMs = env.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_CLOSE_MARGIN_MS;
    setTimeout(() => {
      fatalLine(`Shutdown did not finish within ${limitMs} ms; exiting`);
      process.exit(1);
    }, limitMs).unref();
    app.close().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        fatalLine(`Shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(0));
  // Another instance may own DATA_DIR now: stop (drain, flush) and exit 1, so that the restart
  // waits for the lock and one instance owns the directory again.
  const dataDirLock: DataDirLock | null = app.get(DataDirLock);
  if (dataDirLock) void dataDirLock.lost.then(() => stop(1));
  await app.listen(env.PORT, env.HOST);
}

/** Boots the service (called by main.ts); a failed boot prints one line and exits 1. */
export function main(): void {
  bootstrap().catch((error: unknown) => {
    const reason =
      error instanceof ConfigValidationError
        ? `${error.message}. See README.md#configuration.`
        : `Boot failed: ${error instanceof Error ? error.message : String(error)}`;
    fatalLine(reason);
    process.exit(1);
  });
}
