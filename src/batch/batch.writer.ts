import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { insertDeadLetterSql, writeBatchSql } from './batch.sql';
import type { MessageRow, UserWrite, WriteResult } from './batch.types';

/** Where flushed rows go; a fake in unit specs, PostgreSQL in the app. */
export abstract class BatchWriter {
  /** Writes messages and users atomically (all or nothing). */
  abstract write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult>;
  /** Stores a row the database refused for its content. */
  abstract deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void>;
}

/**
 * Rows per statement at most (also bounds its parameters well below PostgreSQL's 65,535). A
 * flush hands over BATCH_SIZE rows of each kind; a larger write is split into several statements
 * in one transaction.
 */
const MAX_ROWS_PER_STATEMENT = 1000;

/**
 * Writes through the app's DataSource. A flush is one statement (see writeBatchSql): one round
 * trip on one connection, released right after (the null pool then closes it).
 */
@Injectable()
export class PgBatchWriter extends BatchWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult> {
    const parts = Math.ceil(Math.max(messages.length, users.length) / MAX_ROWS_PER_STATEMENT);
    if (parts <= 1) return writeStatement(this.dataSource, messages, users);
    return this.dataSource.transaction(async (manager) => {
      const total = { messagesInserted: 0, usersUpserted: 0 };
      for (let i = 0; i < parts; i++) {
        const [from, to] = [i * MAX_ROWS_PER_STATEMENT, (i + 1) * MAX_ROWS_PER_STATEMENT];
        const part = await writeStatement(manager, messages.slice(from, to), users.slice(from, to));
        total.messagesInserted += part.messagesInserted;
        total.usersUpserted += part.usersUpserted;
      }
      return total;
    });
  }

  async deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}

async function writeStatement(
  db: Pick<EntityManager, 'query'>,
  messages: MessageRow[],
  users: UserWrite[],
): Promise<WriteResult> {
  const { sql, params } = writeBatchSql(messages, users);
  const [row]: { messages: number; users: number }[] = await db.query(sql, params);
  return { messagesInserted: row.messages, usersUpserted: row.users };
}
