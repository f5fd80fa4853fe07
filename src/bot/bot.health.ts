import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BotStatusService } from './bot-status.service';

/**
 * Ready when updates are flowing (polling loop healthy or webhook registered), the bot knows who
 * it is, and it is not draining. Flags only: why the intake stopped is on /bot-optimization.
 */
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
    };
    return this.status.ready ? indicator.up(details) : indicator.down(details);
  }
}
