import { Counter, Gauge, type Registry } from 'prom-client';
import { LANES, type OutboundLane } from './outbound.governor';

/** Outbound sender counters, read by /bot-optimization and scraped by Prometheus. */
export class OutboundMetrics {
  readonly sent: Counter;
  readonly floods: Counter;
  readonly retries: Counter;
  readonly failed: Counter;
  readonly blocked: Counter;
  readonly apiCalls: Counter<'method'>;

  constructor(registry: Registry, queued: (lane: OutboundLane) => number) {
    const registers = [registry];
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
}
