import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

const JOB = 'session-sweep';

/**
 * The periodic delete of expired PostgreSQL sessions: an interval job of @nestjs/schedule,
 * registered through SchedulerRegistry because its period follows SESSION_TTL_SEC. `stop` waits
 * for a running sweep, so shutdown never closes the database under it.
 */
@Injectable()
export class SessionSweepTask {
  private running: Promise<void> | undefined;

  constructor(private readonly scheduler: SchedulerRegistry) {}

  start(everyMs: number, sweep: () => Promise<void>): void {
    const interval = setInterval(() => {
      this.running ??= sweep().finally(() => (this.running = undefined));
    }, everyMs);
    interval.unref();
    this.scheduler.addInterval(JOB, interval);
  }

  async stop(): Promise<void> {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
    await this.running;
  }
}
