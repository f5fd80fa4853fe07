import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BotStatusService } from './bot-status.service';

/** Why a replica is not ready, for the few states an operator acts on differently. */
const STANDBY_REASON = 'standby: another replica holds the polling lease';

/**
 * Ready when updates are flowing (polling loop healthy or webhook registered), the bot knows who
 * it is, and it is not draining. A polling replica standing by for the lease is live but not
 * ready, unless the caller counts a healthy standby as ready (a rollout's probe: see
 * docs/polling-failover.md). Flags only: why the intake stopped is on /bot-optimization.
 */
@Injectable()
export class BotHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly status: BotStatusService,
  ) {}

  isReady(key = 'bot', options: { standbyIsReady?: boolean } = {}) {
    const indicator = this.health.check(key);
    const { intakeRunning, identified, draining, standby } = this.status;
    const details = {
      intakeRunning,
      identified,
      draining,
      standby,
      ...(standby ? { reason: STANDBY_REASON } : {}),
    };
    const ready =
      this.status.ready || (options.standbyIsReady === true && standby && identified && !draining);
    return ready ? indicator.up(details) : indicator.down(details);
  }
}
