import { Counter, Gauge, type Registry } from 'prom-client';
import { total, totalsBy } from '../metrics/metric-values';
import type { BudgetState } from './outbound-gate';
import { LANES, type OutboundLane } from './outbound.governor';

/** What the outbound sender has done, for /bot-optimization and /stats. */
export interface OutboundSnapshot {
  /** Calls waiting for a token or a 429 pause, per lane. */
  queued: Record<OutboundLane, number>;
  sent: number;
  /** 429 Too Many Requests answers. */
  floods: number;
  retries: number;
  failed: number;
  /** 403: the bot is blocked, kicked, or the user deactivated. */
  blocked: number;
  /** HTTP requests to the Bot API per method, every attempt. */
  apiCalls: Record<string, number>;
  /** Whether the flood budget is shared through Redis, local, or a local share (Redis down). */
  budget: BudgetState;
}

/** The read side of the outbound sender's counters. */
export interface OutboundStats {
  snapshot(): Promise<OutboundSnapshot>;
}

/** Outbound sender counters: scraped by Prometheus and read through snapshot(). */
export class OutboundMetrics implements OutboundStats {
  readonly sent: Counter;
  readonly floods: Counter;
  readonly retries: Counter;
  readonly failed: Counter;
  readonly blocked: Counter;
  readonly apiCalls: Counter<'method'>;

  constructor(
    registry: Registry,
    private readonly queued: (lane: OutboundLane) => number,
    private readonly budget: () => BudgetState,
  ) {
    const registers = [registry];
    new Gauge({
      name: 'telegram_bot_outbound_budget_shared',
      help: 'Whether the flood budget is shared by all replicas through Redis (1) or kept in this process (0: no Redis, or Redis unreachable)',
      registers,
      collect() {
        this.set(budget().mode === 'shared' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'telegram_bot_outbound_queued',
      help: 'Bot API calls waiting for a token or a 429 pause, per lane',
      labelNames: ['lane'],
      registers,
      collect() {
        for (const lane of LANES) this.set({ lane }, queued(lane));
      },
    });
    this.sent = new Counter({
      name: 'telegram_bot_outbound_sent_total',
      help: 'Governed Bot API calls that succeeded',
      registers,
    });
    this.floods = new Counter({
      name: 'telegram_bot_outbound_429_total',
      help: '429 Too Many Requests answers received',
      registers,
    });
    this.retries = new Counter({
      name: 'telegram_bot_outbound_retries_total',
      help: 'Bot API calls sent again after a 429, a 5xx or a network error',
      registers,
    });
    this.failed = new Counter({
      name: 'telegram_bot_outbound_failed_total',
      help: 'Governed Bot API calls that failed for good (403 blocked is counted separately)',
      registers,
    });
    this.blocked = new Counter({
      name: 'telegram_bot_outbound_blocked_total',
      help: 'Calls refused with 403 (bot blocked by the user, kicked, user deactivated); not retried',
      registers,
    });
    this.apiCalls = new Counter({
      name: 'telegram_bot_api_calls_total',
      help: 'HTTP requests to the Bot API by method (every attempt, including getUpdates)',
      labelNames: ['method'],
      registers,
    });
  }

  async snapshot(): Promise<OutboundSnapshot> {
    const [sent, floods, retries, failed, blocked, apiCalls] = await Promise.all([
      total(this.sent),
      total(this.floods),
      total(this.retries),
      total(this.failed),
      total(this.blocked),
      totalsBy(this.apiCalls, 'method'),
    ]);
    const queued = Object.fromEntries(LANES.map((lane) => [lane, this.queued(lane)]));
    return {
      queued: queued as Record<OutboundLane, number>,
      sent,
      floods,
      retries,
      failed,
      blocked,
      apiCalls,
      budget: this.budget(),
    };
  }
}
