import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StatementRunner } from '../database/statement-runner';
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
 * trip on one connection, released right after (the null pool then closes it). It is a prepared
 * statement where the database allows it (see StatementRunner: poolers, DB_PREPARED_STATEMENTS).
 */
@Injectable()
export class PgBatchWriter extends BatchWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly statements: StatementRunner,
  ) {
    super();
  }

  async write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult> {
    const values = writeBatchParams(messages, users);
    const [row] = await this.statements.query<{ messages: number; users: number }>(
      WRITE_BATCH_STATEMENT,
      WRITE_BATCH_SQL,
      values,
    );
    return { messagesInserted: row.messages, usersUpserted: row.users };
  }

  async deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}
