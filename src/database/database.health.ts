import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { atMostEvery } from '../common/at-most-every';
import { TimeoutError, withTimeout } from '../common/timeout';
import { describeDbError, isTransientDbError } from './db-errors';

/**
 * Probes within this long of a successful ping share its answer, and probes while a ping is in
 * flight wait for it: a flood of probes costs one query per second at most, and never more than
 * one connection. A failure is not kept once answered, so a recovery shows at the next probe.
 */
const HEALTH_CACHE_MS = 1000;
const WARN_EVERY_MS = 30_000;

/** What a failed probe says over HTTP: a short code, never the error text (it names hosts). */
export type DatabaseDownCode = 'timeout' | 'unreachable' | 'error';

interface Probe {
  at: number;
  settled: boolean;
  result: Promise<{ up: true; latencyMs: number } | { up: false; code: DatabaseDownCode }>;
}

/**
 * Pings the database through the null pool; remembers the last failure for /db-status.
 * Health probes are answered from a ping at most a second old, so they never compete with
 * flushes for the pool; the reason of a failure goes to the log, not to the prober.
 */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly logger = new Logger(DatabaseHealthIndicator.name);
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);
  private probe: Probe | undefined;
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
    const result = await this.currentProbe(timeoutMs);
    return result.up
      ? indicator.up({ latencyMs: result.latencyMs })
      : indicator.down({ code: result.code });
  }

  private currentProbe(timeoutMs: number): Probe['result'] {
    const now = Date.now();
    const last = this.probe;
    if (last && (!last.settled || now - last.at < HEALTH_CACHE_MS)) return last.result;
    const probe: Probe = { at: now, settled: false, result: this.probeOnce(timeoutMs) };
    this.probe = probe;
    void probe.result.then((result) => {
      probe.settled = true;
      if (!result.up && this.probe === probe) this.probe = undefined;
    });
    return probe.result;
  }

  private async probeOnce(timeoutMs: number): Promise<Awaited<Probe['result']>> {
    try {
      return { up: true, latencyMs: await this.ping(timeoutMs) };
    } catch (error) {
      if (this.warnGate())
        this.logger.warn(`database health check failed: ${describeDbError(error)}`);
      const code: DatabaseDownCode =
        error instanceof TimeoutError
          ? 'timeout'
          : isTransientDbError(error)
            ? 'unreachable'
            : 'error';
      return { up: false, code };
    }
  }
}
