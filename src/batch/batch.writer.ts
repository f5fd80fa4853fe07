import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
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

  /** The one place a flush reaches the database. */
  async write(statement: FlushStatement, values: unknown[]): Promise<number[]> {
    const { name, text } = statement;
    const [row]: Record<string, number>[] = this.pgPool
      ? (await this.pgPool.query({ name, text, values })).rows
      : await this.dataSource.query(text, values);
    return Object.values(row);
  }

  async deadLetter(kind: string, payloadJson: string, reason: string): Promise<void> {
    const { sql, params } = insertDeadLetterSql(kind, payloadJson, reason);
    await this.dataSource.query(sql, params);
  }
}
