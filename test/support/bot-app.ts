import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { resetConfigCache } from '../../src/config/app.config';
import { createApp } from '../../src/bootstrap';
import { FakeBotApi } from '../fake-bot-api/fake-bot-api.server';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_TOKEN = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz';

/** The app under test, booted in-process against the fake Bot API and a throwaway database. */
export interface BotTestContext {
  app: INestApplication;
  api: FakeBotApi;
  db: TestDatabase;
  /** Runs SQL through the app's own DataSource (works on PostgreSQL and PGlite alike). */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the app (the SIGTERM path: drain, flush, confirm), then the fake API and the database. */
  close(): Promise<void>;
}

/** Environment every e2e app gets unless a test overrides it: fast flushes, quiet logs. */
const BASE_ENV: Record<string, string> = {
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  LOG_LEVEL: 'silent',
  POLLING_TIMEOUT: '1',
  BATCH_FLUSH_INTERVAL_MS: '50',
  SHUTDOWN_TIMEOUT_MS: '5000',
  // Generous limits: specs of the rate limit and the governor set their own.
  RATE_LIMIT: '1000',
  OUTBOUND_CHAT_PER_SECOND: '1000',
  OUTBOUND_GLOBAL_PER_SECOND: '10000',
  PORT: '0',
  HOST: '127.0.0.1',
};

/**
 * Boots the app; with `override`, as a Nest testing module whose providers the spec replaces
 * (e.g. BotMiddlewares, the way a fork adds its middleware).
 */
export async function startBotApp(
  env: Record<string, string> = {},
  existing?: { api?: FakeBotApi; db?: TestDatabase },
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder,
): Promise<BotTestContext> {
  const api = existing?.api ?? new FakeBotApi(TEST_TOKEN);
  if (!existing?.api) await api.start();
  const db = existing?.db ?? (await createTestDatabase());
  const saved = { ...process.env };
  const overrides: Record<string, string> = {
    ...BASE_ENV,
    TELEGRAM_API_ROOT: api.apiRoot,
    ...db.env,
    ...env,
  };
  for (const key of Object.keys(overrides)) process.env[key] = overrides[key];
  resetConfigCache();
  let app: INestApplication;
  try {
    app = override ? await createTestingApp(override) : await createApp();
    await app.listen(0, '127.0.0.1');
  } finally {
    process.env = saved;
  }
  const dataSource = app.get(DataSource);
  return {
    app,
    api,
    db,
    query: (sql, params) => dataSource.query(sql, params),
    close: async () => {
      await app.close();
      if (!existing?.api) await api.stop();
      if (!existing?.db) await db.drop();
    },
  };
}

async function createTestingApp(
  override: (builder: TestingModuleBuilder) => TestingModuleBuilder,
): Promise<INestApplication> {
  const moduleRef = await override(Test.createTestingModule({ imports: [AppModule] })).compile();
  return moduleRef.createNestApplication({ logger: false });
}
