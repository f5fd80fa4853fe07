import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { databaseConfig, type DatabaseConfig } from '../config/app.config';
import { describeDbError, isPreparedStatementError } from './db-errors';

/**
 * Runs a hot statement as a named (prepared) statement, which PostgreSQL parses and plans once per
 * connection, or unnamed where that cannot work: DB_PREPARED_STATEMENTS=false, embedded PGlite,
 * or a transaction-mode pooler (PgBouncer before 1.21, or with max_prepared_statements=0), whose
 * server connections already hold the name or lose it between statements. The pooler is detected
 * by its error on the first such statement: that statement did not run (Parse or Bind failed), so
 * it is re-run unnamed at once, and every later one is unnamed.
 */
@Injectable()
export class StatementRunner {
  private readonly logger = new Logger(StatementRunner.name);
  /** pg's pool under TypeORM on a PostgreSQL server (TypeORM's query() sends only unnamed ones). */
  private readonly pgPool: Pool | null;
  private named: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) config: DatabaseConfig,
  ) {
    const pool = (dataSource.driver as Partial<PostgresDriver>).master as unknown;
    this.pgPool = pool instanceof Pool ? pool : null;
    this.named = config.preparedStatements && this.pgPool !== null;
  }

  /** Whether statements are prepared (named) right now, for /db-status. */
  get prepared(): boolean {
    return this.named;
  }

  async query<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    if (this.named) {
      try {
        return (await this.pgPool!.query({ name, text, values })).rows as T[];
      } catch (error) {
        if (!isPreparedStatementError(error)) throw error;
        this.named = false;
        this.logger.error(
          `the database refused a prepared statement (${describeDbError(error)}), as a transaction-mode pooler does: running unnamed statements from now on (set DB_PREPARED_STATEMENTS=false to skip this)`,
        );
      }
    }
    return this.dataSource.query<T[]>(text, values);
  }
}
