import { Injectable } from '@nestjs/common';

/** What the update intake is doing right now, for readiness probes and /bot-optimization. */
@Injectable()
export class BotStatusService {
  /** Polling loop running without a persistent error, or webhook registered. */
  intakeRunning = false;
  /** Telegram has told the bot who it is (getMe): until then updates wait and readiness is false. */
  identified = false;
  /** Set when shutdown begins: readiness goes false and no new update is accepted. */
  draining = false;
  /** Polling with the lease, and another replica leads: this one is live but not ready. */
  standby = false;
  /** Why the intake is not running (never contains the token). */
  lastIntakeError: string | null = null;

  get ready(): boolean {
    return this.intakeRunning && this.identified && !this.draining;
  }
}
