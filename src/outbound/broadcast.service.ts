import { Injectable } from '@nestjs/common';
import { OutboundService } from './outbound.service';

export interface BroadcastResult {
  sent: number;
  failed: number;
  blocked: number;
}

/** Sends one text to many chats on the broadcast lane (work in progress). */
@Injectable()
export class BroadcastService {
  constructor(private readonly outbound: OutboundService) {}

  async broadcast(
    _text: string,
    _chatIds: Iterable<number> | AsyncIterable<number>,
  ): Promise<BroadcastResult> {
    return this.outbound.inLane('broadcast', async () => ({ sent: 0, failed: 0, blocked: 0 }));
  }
}
