import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BotStatusService } from './bot-status.service';

/** Ready when updates are flowing (polling loop healthy or webhook registered) and not draining. */
@Injectable()
export class BotHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly status: BotStatusService,
  ) {}

  isReady(key = 'bot') {
    const indicator = this.health.check(key);
    const details = {
      intakeRunning: this.status.intakeRunning,
      identified: this.status.identified,
      draining: this.status.draining,
      ...(this.status.lastIntakeError ? { lastError: this.status.lastIntakeError } : {}),
    };
    return this.status.ready ? indicator.up(details) : indicator.down(details);
  }
}
