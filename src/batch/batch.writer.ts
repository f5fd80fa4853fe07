import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StatementRunner } from '../database/statement-runner';
import { type FlushStatement, insertDeadLetterSql } from './batch.sql';

/** Where flushed rows go: PostgreSQL (specs inject faults by extending PgBatchWriter). */
export abstract class BatchWriter {
  /** Runs one flush statement (all or nothing); resolves to the rows written per table. */
  abstract write(statement: FlushStatement, values: unknown[]): Promise<number[]>;
  /** Stores a row the database refused for its content. */
  abstract deadLetter(kind: string, payloadJson: string, reason: string): Promise<void>;
}

/**
 * Writes through the app's DataSource. A flush is one statement (see flushStatement): one round
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

  /** The one place a flush reaches the database. */
  async write(statement: FlushStatement, values: unknown[]): Promise<number[]> {
    const [row] = await this.statements.query<Record<string, number>>(
      statement.name,
      statement.text,
      values,
    );
    return Object.values(row);
  }

  async deadLetter(kind: string, payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}
