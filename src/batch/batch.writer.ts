import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { insertDeadLetterSql, WRITE_BATCH_SQL, writeBatchParams } from './batch.sql';
import type { MessageRow, UserWrite, WriteResult } from './batch.types';

/** Where flushed rows go; a fake in unit specs, PostgreSQL in the app. */
export abstract class BatchWriter {
  /** Writes messages and users atomically (all or nothing). */
  abstract write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult>;
  /** Stores a row the database refused for its content. */
  abstract deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void>;
}

/** The flush statement's name: PostgreSQL keeps it prepared on each connection that ran it. */
const WRITE_BATCH_STATEMENT = 'tgbot_write_batch';

/**
 * Writes through the app's DataSource. A flush is one statement (see WRITE_BATCH_SQL): one round
 * trip on one connection, released right after (the null pool then closes it).
 */
@Injectable()
export class PgBatchWriter extends BatchWriter {
  /**
   * pg's pool under TypeORM on a PostgreSQL server, for the flush as a named (prepared) statement;
   * TypeORM's query() sends only text and parameters. Null on embedded PGlite, whose pool takes
   * only those too.
   */
  private readonly pgPool: Pool | null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    const pool = (dataSource.driver as Partial<PostgresDriver>).master as unknown;
    this.pgPool = pool instanceof Pool ? pool : null;
  }

  async write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult> {
    const values = writeBatchParams(messages, users);
    const [row]: { messages: number; users: number }[] = this.pgPool
      ? (await this.pgPool.query({ name: WRITE_BATCH_STATEMENT, text: WRITE_BATCH_SQL, values }))
          .rows
      : await this.dataSource.query(WRITE_BATCH_SQL, values);
    return { messagesInserted: row.messages, usersUpserted: row.users };
  }

  async deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}
