import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { BatchJournal } from '../../src/batch/batch.journal';
import { BatchModule, batchQueueToken } from '../../src/batch/batch.module';
import { BatchService } from '../../src/batch/batch.service';
import type { AnyBatchTable, BatchQueue, BatchTable } from '../../src/batch/batch.table';
import { BatchWriter } from '../../src/batch/batch.writer';
import { batchConfig, type BatchConfig, resetConfigCache } from '../../src/config/app.config';
import { AppConfigModule } from '../../src/config/config.module';
import { DataDirModule } from '../../src/data-dir/data-dir.module';
import { DatabaseModule } from '../../src/database/database.module';
import { MetricsRegistryModule } from '../../src/metrics/metrics-registry.module';
import { type MessageRow, messagesTable } from '../../src/messages/messages.table';
import { type UserRow, usersTable } from '../../src/users/users.table';

/** A Nest context with just the batcher, its tables (messages and users) and what they need. */
export interface BatchApp {
  moduleRef: TestingModule;
  batch: BatchService;
  messages: BatchQueue<MessageRow>;
  users: BatchQueue<UserRow>;
  dataSource: DataSource;
  /** The queue of a table registered through `options.tables`. */
  queue<Row>(table: BatchTable<Row>): BatchQueue<Row>;
  /** Runs a query through the app's DataSource. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface BatchAppOptions {
  /** The tables to register, as their modules do with BatchModule.forFeature (default: messages, users). */
  tables?: AnyBatchTable[];
  /** A writer in place of PgBatchWriter (one that injects faults around it). */
  writer?: new (...args: never[]) => BatchWriter;
  /** The journal to use, in the journal directory of the config (BATCH_JOURNAL on). */
  journal?: (dir: string) => BatchJournal;
}

/** Boots the batcher against `env` (a private DATA_DIR unless `env` names one). */
export async function bootBatchApp(
  env: Record<string, string>,
  options: BatchAppOptions = {},
): Promise<BatchApp> {
  const saved = { ...process.env };
  process.env.TELEGRAM_BOT_TOKEN = '123:test-token-abcdefghijklmnop';
  delete process.env.DATABASE_URL;
  // A private DATA_DIR: the write-ahead journal must not leak into other specs.
  const dataDir = mkdtempSync(join(tmpdir(), 'tgbot-batch-'));
  Object.assign(process.env, { LOG_LEVEL: 'warn', DATA_DIR: dataDir }, env);
  resetConfigCache();
  const tables: DynamicModule[] = (options.tables ?? [messagesTable, usersTable]).map(
    (table: AnyBatchTable) => BatchModule.forFeature(table),
  );
  let moduleRef: TestingModule;
  try {
    let builder = Test.createTestingModule({
      imports: [
        AppConfigModule,
        DatabaseModule,
        MetricsRegistryModule,
        ScheduleModule.forRoot(),
        BatchModule,
        ...tables,
        // DataDirModule last, as in AppModule: its lock is released after the journal closes.
        DataDirModule,
      ],
    });
    if (options.writer) builder = builder.overrideProvider(BatchWriter).useClass(options.writer);
    const journal = options.journal;
    if (journal) {
      builder = builder.overrideProvider(BatchJournal).useFactory({
        inject: [batchConfig.KEY],
        factory: (config: BatchConfig) => journal(config.journalDir!),
      });
    }
    moduleRef = await builder.compile();
  } finally {
    process.env = saved;
  }
  moduleRef.useLogger(['error', 'warn']);
  await moduleRef.init();
  const dataSource = moduleRef.get(DataSource);
  const queue = <Row>(table: BatchTable<Row>) =>
    moduleRef.get<BatchQueue<Row>>(batchQueueToken(table), { strict: false });
  return {
    moduleRef,
    batch: moduleRef.get(BatchService),
    get messages() {
      return queue(messagesTable);
    },
    get users() {
      return queue(usersTable);
    },
    dataSource,
    queue,
    query: (sql, params) => dataSource.query(sql, params),
  };
}

/** A message row for update `id`. */
export function messageRow(
  id: number,
  userId: number | null,
  text: string | null = `text ${id}`,
): MessageRow {
  return {
    updateId: id,
    chatId: userId ?? -100,
    userId,
    messageId: id,
    text,
    createdAt: new Date(1_760_000_000_000 + id * 1000),
  };
}

/** A sighting of user `userId` at `at`, like the bot's activity middleware records it. */
export function userRow(userId: number, at: Date): UserRow {
  return {
    id: userId,
    username: `user${userId}`,
    firstName: 'Test',
    lastName: null,
    languageCode: 'en',
    firstSeenAt: at,
    lastSeenAt: at,
  };
}

/** Adds one update's rows like the bot does: the message, then its sender's sighting. */
export function addUpdate(app: BatchApp, row: MessageRow): void {
  app.messages.add(row);
  if (row.userId !== null) app.users.add(userRow(row.userId, row.createdAt));
}
