import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MigrationExecutor } from 'typeorm/migration/MigrationExecutor';
import { retry } from '../common/backoff';
import type { DatabaseConfig } from '../config/app.config';
import { describeDbError, isFatalConnectError } from './db-errors';

const logger = new Logger('Database');

// Any constant works; it only has to be the same for every instance of this service.
const MIGRATION_LOCK_KEY = 72_016_451;

/** Raised when the database cannot be reached or refuses us; the message is safe to print. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Connects with exponential backoff and jitter (TypeORM's own retry uses a fixed delay), fails
 * fast on bad credentials or a missing database, then runs pending migrations under an advisory
 * lock so that two instances starting together do not race (see runMigrationsLocked).
 */
export async function createDataSource(
  options: DataSourceOptions,
  config: DatabaseConfig,
): Promise<DataSource> {
  const dataSource = await retry(() => new DataSource(options).initialize(), {
    attempts: config.connectRetries + 1,
    baseMs: 500,
    maxMs: 10_000,
    shouldRetry: (error) => !isFatalConnectError(error),
    onRetry: (error, attempt, delayMs) =>
      logger.warn(
        `Database not reachable (${describeDbError(error)}); attempt ${attempt + 1} of ${config.connectRetries + 1} in ${delayMs} ms`,
      ),
  }).catch((error: unknown) => {
    const reason = isFatalConnectError(error)
      ? 'the database refused the connection: check the user, password and database name in DATABASE_URL'
      : `the database is not reachable after ${config.connectRetries + 1} attempts`;
    throw new DatabaseUnavailableError(`${reason} (${describeDbError(error)})`);
  });
  if (config.migrationsRun) await runMigrationsLocked(dataSource);
  return dataSource;
}

/**
 * All pending migrations in one transaction that first takes a transaction-scoped advisory lock:
 * a second instance waits for it, then finds nothing pending. The lock ends with the transaction,
 * so it cannot outlive it on a pooler's server connection, as a session lock whose unlock lands
 * on another server connection would (transaction-mode PgBouncer). Migrations must therefore be
 * transactional (no CREATE INDEX CONCURRENTLY).
 */
async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    // The transaction above holds every migration (and the lock).
    executor.transaction = 'none';
    const applied = await executor.executePendingMigrations();
    await runner.commitTransaction();
    if (applied.length) logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
