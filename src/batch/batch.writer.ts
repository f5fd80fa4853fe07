import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { insertDeadLetterSql, insertMessagesSql, upsertUsersSql } from './batch.sql';
import type { MessageRow, UserWrite, WriteResult } from './batch.types';
import { buildUserRows } from './batch.user-rows';

/** Where flushed rows go; a fake in unit specs, PostgreSQL in the app. */
export abstract class BatchWriter {
  /** Writes messages and users in one transaction, or nothing at all. */
  abstract write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult>;
  /** Stores a row the database refused for its content. */
  abstract deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void>;
}

// Statements stay at or below this many rows even if a caller hands over more.
const MAX_ROWS_PER_STATEMENT = 1000;

/**
 * Writes through the app's DataSource: one connection, one transaction per flush, released right
 * after (the null pool then closes it), so a flush costs one round of BEGIN/INSERTs/COMMIT.
 */
@Injectable()
export class PgBatchWriter extends BatchWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult> {
    return this.dataSource.transaction(async (manager) => {
      const insertedUserIds: number[] = [];
      let messagesInserted = 0;
      for (const part of chunks(messages)) {
        const { sql, params } = insertMessagesSql(part);
        const rows: { user_id: string | number | null }[] = await manager.query(sql, params);
        messagesInserted += rows.length;
        for (const r of rows) if (r.user_id !== null) insertedUserIds.push(Number(r.user_id));
      }
      const userRows = buildUserRows(users, messages, insertedUserIds);
      for (const part of chunks(userRows)) {
        const { sql, params } = upsertUsersSql(part);
        await manager.query(sql, params);
      }
      return { messagesInserted, usersUpserted: userRows.length };
    });
  }

  async deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_ROWS_PER_STATEMENT) {
    out.push(items.slice(i, i + MAX_ROWS_PER_STATEMENT));
  }
  return out;
}
