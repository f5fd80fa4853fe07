import { Inject, Injectable } from '@nestjs/common';
import type { MessageEntity } from 'telegraf/types';
import {
  broadcastConfig,
  telegramConfig,
  type BroadcastConfig,
  type TelegramConfig,
} from '../config/app.config';
import { OutboundService } from './outbound.service';
import { classifyFailure } from './retry-policy';

/** Outcome of one broadcast: every chat id ends in exactly one of the three counts. */
export interface BroadcastResult {
  sent: number;
  failed: number;
  /** 403: the user blocked the bot (or left / was deactivated). */
  blocked: number;
}

export type BroadcastOutcome = keyof BroadcastResult;

/** What a broadcast's caller hears of each chat. */
export interface BroadcastHooks {
  /** The chat's outcome, once its call settled. */
  onOutcome?: (chatId: number, outcome: BroadcastOutcome) => void;
  /**
   * Awaited when the chat's message has passed flood control and is about to be sent; a
   * rejection means it is not sent (and counts as failed).
   */
  beforeSend?: (chatId: number) => Promise<void>;
}

/** What is broadcast: a text, with the formatting of the admin's message as entities. */
export interface BroadcastMessage {
  text: string;
  entities?: MessageEntity[];
}

/**
 * Sends one message to many chats on the broadcast lane, so interactive replies keep going first.
 * Chat ids are pulled lazily with a bounded number of sends in flight (two seconds of the global
 * rate), so a broadcast to millions of ids holds neither all ids nor all promises in memory.
 * Campaigns (src/broadcasts) call it one small batch at a time and read each chat's outcome.
 */
@Injectable()
export class BroadcastService {
  private readonly concurrency: number;
  private readonly paid: boolean;

  constructor(
    private readonly outbound: OutboundService,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    @Inject(broadcastConfig.KEY) broadcast?: BroadcastConfig,
  ) {
    this.concurrency = Math.max(1, 2 * config.outbound.globalPerSecond);
    this.paid = broadcast?.paid ?? false;
  }

  async broadcast(
    message: string | BroadcastMessage,
    chatIds: Iterable<number> | AsyncIterable<number>,
    { onOutcome, beforeSend }: BroadcastHooks = {},
  ): Promise<BroadcastResult> {
    const { text, entities } = typeof message === 'string' ? { text: message } : message;
    const result: BroadcastResult = { sent: 0, failed: 0, blocked: 0 };
    const ids = toAsyncIterator(chatIds);
    const worker = async () => {
      for (let next = await ids.next(); !next.done; next = await ids.next()) {
        const chatId = next.value;
        const payload: Record<string, unknown> = { chat_id: chatId, text };
        if (entities?.length) payload.entities = entities;
        if (this.paid) payload.allow_paid_broadcast = true;
        let outcome: BroadcastOutcome = 'sent';
        try {
          await this.outbound.call(
            'sendMessage',
            payload,
            'broadcast',
            beforeSend && (() => beforeSend(chatId)),
          );
        } catch (error) {
          outcome = classifyFailure(error).kind === 'blocked' ? 'blocked' : 'failed';
        }
        result[outcome]++;
        onOutcome?.(chatId, outcome);
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return result;
  }
}

/** One iterator shared by all workers (async generators queue concurrent `next()` calls). */
function toAsyncIterator(ids: Iterable<number> | AsyncIterable<number>): AsyncIterator<number> {
  if (Symbol.asyncIterator in ids) return ids[Symbol.asyncIterator]();
  const it = ids[Symbol.iterator]();
  return { next: async () => it.next() };
}
