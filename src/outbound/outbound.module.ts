import { Module } from '@nestjs/common';
import { BroadcastService } from './broadcast.service';
import { OUTBOUND_BUDGET_PROVIDERS } from './outbound-budget.providers';
import { OutboundService } from './outbound.service';

/**
 * Flood-controlled Bot API sender (timeouts, token buckets, lanes, 429/5xx handling, the budget
 * shared through Redis with REDIS_URL) and broadcast.
 */
@Module({
  providers: [OutboundService, BroadcastService, ...OUTBOUND_BUDGET_PROVIDERS],
  exports: [OutboundService, BroadcastService],
})
export class OutboundModule {}
