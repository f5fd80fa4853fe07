import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { Telegram } from 'telegraf';

export type OutboundLane = 'interactive' | 'broadcast';

/** Flood-controlled sender for every Bot API call the bot makes (work in progress). */
@Injectable()
export class OutboundService {
  private readonly lanes = new AsyncLocalStorage<OutboundLane>();

  /** Replaces `telegram.callApi` with the governed version (idempotent per instance). */
  attach(_telegram: Telegram): void {}

  /** Runs `fn` with every Bot API call it makes on `lane` (default lane: interactive). */
  inLane<T>(lane: OutboundLane, fn: () => Promise<T>): Promise<T> {
    return this.lanes.run(lane, fn);
  }
}
