import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

const JOB = 'campaign-watch';

/**
 * How often a process that runs no campaign looks for one to take over: a campaign whose holder
 * died (on another replica, which may never restart). Two small statements per period.
 */
export const CAMPAIGN_WATCH_MS = 15_000;

/**
 * The periodic look for a campaign to take over: an interval job of @nestjs/schedule, registered
 * through SchedulerRegistry so that shutdown can remove it before the database closes.
 */
@Injectable()
export class CampaignWatchTask {
  constructor(private readonly scheduler: SchedulerRegistry) {}

  start(look: () => void): void {
    const interval = setInterval(look, CAMPAIGN_WATCH_MS);
    interval.unref();
    this.scheduler.addInterval(JOB, interval);
  }

  stop(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }
}
