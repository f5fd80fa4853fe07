import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../../metrics/metrics.registry';

/** Why a replica stopped leading. */
export type LeaseEndReason = 'released' | 'lost' | 'expired' | 'conflict';

/** Prometheus view of the polling leader lease: who leads, how often leadership changed. */
@Injectable()
export class PollingLeaseMetrics {
  readonly leader: Gauge;
  readonly terms: Counter;
  readonly ended: Counter<'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.leader = new Gauge({
      name: 'telegram_bot_polling_leader',
      help: '1 while this replica holds the polling lease (or polls without one), else 0',
      registers,
    });
    this.terms = new Counter({
      name: 'telegram_bot_polling_lease_terms_total',
      help: 'Times this replica won the polling lease',
      registers,
    });
    this.ended = new Counter({
      name: 'telegram_bot_polling_lease_ended_total',
      help: 'Times this replica stopped leading, by reason (released, lost, expired, conflict)',
      labelNames: ['reason'],
      registers,
    });
  }
}
