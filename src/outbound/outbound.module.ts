import { Module } from '@nestjs/common';
import { BroadcastService } from './broadcast.service';
import { OutboundService } from './outbound.service';

/** Flood-controlled Bot API sender (timeouts, token buckets, lanes, 429/5xx handling) and broadcast. */
@Module({
  providers: [OutboundService, BroadcastService],
  exports: [OutboundService, BroadcastService],
})
export class OutboundModule {}
