import type { Logger } from '@nestjs/common';
import { describeDbError } from '../database/db-errors';
import type { BatchBuffer, FlushUnit } from './batch.buffer';
import { isContentError, splitUnit, unitSize } from './batch.isolate';
import type { BatchMetrics } from './batch.metrics';
import { toDeadLetterPayload } from './batch.sanitize';
import type { BatchWriter } from './batch.writer';

/**
 * One flush: a chunk written in one transaction. When the database refuses a row for its
 * content, the chunk is bisected until the bad row stands alone and goes to dead_letters, so the
 * rest is never blocked. Any other error puts every uncommitted row back, in order, and rethrows.
 */
export class BatchFlusher {
  constructor(
    private readonly buffer: BatchBuffer,
    private readonly writer: BatchWriter,
    private readonly metrics: BatchMetrics,
    private readonly logger: Logger,
  ) {}

  async flush(size: number): Promise<void> {
    const started = performance.now();
    const work: FlushUnit[] = [this.buffer.take(size)];
    try {
      while (work.length > 0) {
        const unit = work[0];
        try {
          const result = await this.writer.write(
            unit.messages.map((m) => m.row),
            this.buffer.toWrites(unit.users),
          );
          this.buffer.settle(unit);
          this.metrics.recordWritten(result.messagesInserted, result.usersUpserted);
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
      this.buffer.restore({
        messages: work.flatMap((u) => u.messages),
        users: work.flatMap((u) => u.users),
      });
      throw error;
    }
    this.metrics.recordFlush(performance.now() - started);
  }

  private async deadLetter(unit: FlushUnit, error: unknown): Promise<void> {
    const reason = describeDbError(error);
    const [kind, payload, id] = unit.messages.length
      ? (['message', unit.messages[0].row, `update ${unit.messages[0].row.updateId}`] as const)
      : (['user', this.buffer.toWrites(unit.users)[0], `user ${unit.users[0].id}`] as const);
    await this.writer.deadLetter(kind, toDeadLetterPayload(payload), reason);
    this.buffer.settle(unit);
    this.metrics.recordDeadLetter();
    // Ids only: message text and names stay out of the logs (they are in dead_letters).
    this.logger.warn(`Row refused by the database (${id}: ${reason}); stored in dead_letters`);
  }
}
