import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

const JOB = 'batch-flush';

/**
 * The scheduled flush: an interval job of @nestjs/schedule. Registered through SchedulerRegistry
 * because its period comes from config (BATCH_FLUSH_INTERVAL_MS), which `@Interval()` cannot
 * read. Stopped by the engine when its drain begins, so no tick follows the drain; the tick only
 * starts a flush, and the drain waits for that flush (@nestjs/schedule waits for no tick).
 */
@Injectable()
export class BatchFlushTask {
  constructor(private readonly scheduler: SchedulerRegistry) {}

  start(everyMs: number, tick: () => void): void {
    this.stop();
    const interval = setInterval(tick, everyMs);
    interval.unref();
    this.scheduler.addInterval(JOB, interval);
  }

  stop(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }
}
