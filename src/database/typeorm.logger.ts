import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';
import { describeDbError } from './db-errors';

/** Statements are parameterised, so their text holds no user data; long ones are cut anyway. */
const MAX_QUERY_CHARS = 300;
const short = (query: string) =>
  query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query;

/**
 * TypeORM's messages through the app's logger (pino JSON), never with query parameters: they hold
 * users' message texts and names. TypeORM's own loggers print `PARAMETERS: [...]` on every failure.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new Logger('TypeORM');

  logQuery(query: string): void {
    this.logger.verbose({ query: short(query) }, 'query');
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ query: short(query) }, `query failed: ${describeDbError(error)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: short(query), ms: time }, `slow query (${time} ms)`);
  }

  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : describeDbError(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
