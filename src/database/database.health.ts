import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { withTimeout } from '../common/timeout';
import { describeDbError } from './db-errors';

/** Pings the database through the null pool; remembers the last failure for /db-status. */
@Injectable()
export class DatabaseHealthIndicator {
  lastError: { message: string; at: Date } | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async ping(timeoutMs = 3000): Promise<number> {
    const started = performance.now();
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), timeoutMs, 'database ping');
      return Math.round((performance.now() - started) * 100) / 100;
    } catch (error) {
      this.lastError = { message: describeDbError(error), at: new Date() };
      throw error;
    }
  }

  async isHealthy(key = 'database', timeoutMs = 3000) {
    const indicator = this.health.check(key);
    try {
      const latencyMs = await this.ping(timeoutMs);
      return indicator.up({ latencyMs });
    } catch (error) {
      return indicator.down({ message: describeDbError(error) });
    }
  }
}
