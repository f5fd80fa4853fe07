import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { BatchModule } from '../../src/batch/batch.module';
import { BatchService } from '../../src/batch/batch.service';
import { resetConfigCache } from '../../src/config/app.config';
import { AppConfigModule } from '../../src/config/config.module';
import { DataDirModule } from '../../src/data-dir/data-dir.module';
import { DatabaseModule } from '../../src/database/database.module';
import { MetricsRegistryModule } from '../../src/metrics/metrics-registry.module';

/** A Nest context with just the batcher and what it needs, booted against `env`. */
export interface BatchApp {
  moduleRef: TestingModule;
  batch: BatchService;
  dataSource: DataSource;
  /** Runs a query through the app's DataSource. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export async function bootBatchApp(env: Record<string, string>): Promise<BatchApp> {
  const saved = { ...process.env };
  process.env.TELEGRAM_BOT_TOKEN = '123:test-token-abcdefghijklmnop';
  delete process.env.DATABASE_URL;
  // A private DATA_DIR: the write-ahead journal must not leak into other specs.
  const dataDir = mkdtempSync(join(tmpdir(), 'tgbot-batch-'));
  Object.assign(process.env, { LOG_LEVEL: 'warn', DATA_DIR: dataDir }, env);
  resetConfigCache();
  let moduleRef: TestingModule;
  try {
    moduleRef = await Test.createTestingModule({
      // DataDirModule last, as in AppModule: its lock is released after the journal closes.
      imports: [AppConfigModule, DatabaseModule, MetricsRegistryModule, BatchModule, DataDirModule],
    }).compile();
  } finally {
    process.env = saved;
  }
  moduleRef.useLogger(['error', 'warn']);
  await moduleRef.init();
  const dataSource = moduleRef.get(DataSource);
  return {
    moduleRef,
    batch: moduleRef.get(BatchService),
    dataSource,
    query: (sql, params) => dataSource.query(sql, params),
  };
}

/** A message row for update `id`. */
export function messageRow(id: number, userId: number | null, text: string | null = `text ${id}`) {
  return {
    updateId: id,
    chatId: userId ?? -100,
    userId,
    messageId: id,
    text,
    createdAt: new Date(1_760_000_000_000 + id * 1000),
  };
}

/** A user sighting with one message, like the bot's activity middleware records it. */
export function activityRow(userId: number, at: Date, messages = 1) {
  return {
    id: userId,
    username: `user${userId}`,
    firstName: 'Test',
    lastName: null,
    languageCode: 'en',
    seenAt: at,
    messages,
  };
}
