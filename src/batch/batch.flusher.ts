import type { Logger } from '@nestjs/common';
import { describeDbError } from '../database/db-errors';
import type { BatchBuffers, FlushUnit } from './batch.buffer';
import { isContentError, onlyRow, splitUnit, unitSize, UnwritableRows } from './batch.isolate';
import type { BatchMetrics } from './batch.metrics';
import { toDeadLetterPayload } from './batch.sanitize';
import type { FlushStatement } from './batch.sql';
import type { BatchWriter } from './batch.writer';

/**
 * One flush: a chunk of every table written in one statement. When the database refuses a row
 * for its content, the chunk is bisected until the bad row stands alone and goes to
 * dead_letters, so the rest is never blocked. Any other error puts every uncommitted row back,
 * in order, and rethrows.
 */
export class BatchFlusher {
  constructor(
    private readonly buffers: BatchBuffers,
    private readonly statement: FlushStatement,
    private readonly writer: BatchWriter,
    private readonly metrics: BatchMetrics,
    private readonly logger: Logger,
  ) {}

  async flush(size: number): Promise<void> {
    const started = performance.now();
    const work: FlushUnit[] = [this.buffers.take(size)];
    try {
      while (work.length > 0) {
        const unit = work[0];
        try {
          const values = this.params(unit);
          const written = await this.writer.write(this.statement, values);
          this.buffers.settle(unit);
          this.metrics.recordWritten(written);
        } catch (error) {
          if (!isContentError(error)) throw error;
          if (unitSize(unit) > 1) {
            work.splice(0, 1, ...splitUnit(unit));
            continue;
          }
          await this.deadLetter(unit, error);
        }
        work.shift();
      }
    } catch (error) {
      this.buffers.restore(this.buffers.tables.map((_, i) => work.flatMap((unit) => unit[i])));
      throw error;
    }
    this.metrics.recordFlush(performance.now() - started);
  }

  private params(unit: FlushUnit): unknown[] {
    try {
      return this.statement.params(unit.map((rows) => rows.map((p) => p.row)));
    } catch (error) {
      throw new UnwritableRows(error);
    }
  }

  private async deadLetter(unit: FlushUnit, error: unknown): Promise<void> {
    const reason = describeDbError(error);
    const { table, pending } = onlyRow(unit);
    const definition = this.buffers.tables[table].table;
    await this.writer.deadLetter(definition.name, toDeadLetterPayload(pending.row), reason);
    this.buffers.settle(unit);
    this.metrics.recordDeadLetter();
    // Ids only: content stays out of the logs (it is in dead_letters).
    const id = `${definition.name} ${definition.describe(pending.row)}`;
    this.logger.warn(`Row refused by the database (${id}: ${reason}); stored in dead_letters`);
  }
}
