import { Inject, Injectable, Logger } from '@nestjs/common';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { OutboundService } from './outbound.service';
import { classifyFailure } from './retry-policy';

/** Outcome of one broadcast: every chat id ends in exactly one of the three counts. */
export interface BroadcastResult {
  sent: number;
  failed: number;
  /** 403: the user blocked the bot (or left / was deactivated). */
  blocked: number;
}

/**
 * Sends one text to many chats on the broadcast lane, so interactive replies keep going first.
 * Chat ids are pulled lazily with a bounded number of sends in flight (two seconds of the global
 * rate), so a broadcast to millions of ids holds neither all ids nor all promises in memory.
 */
@Injectable()
export class BroadcastService {
  private readonly logger = new Logger(BroadcastService.name);
  private readonly concurrency: number;

  constructor(
    private readonly outbound: OutboundService,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
  ) {
    this.concurrency = Math.max(1, 2 * config.outbound.globalPerSecond);
  }

  async broadcast(
    text: string,
    chatIds: Iterable<number> | AsyncIterable<number>,
  ): Promise<BroadcastResult> {
    const result: BroadcastResult = { sent: 0, failed: 0, blocked: 0 };
    const ids = toAsyncIterator(chatIds);
    const worker = async () => {
      for (let next = await ids.next(); !next.done; next = await ids.next()) {
        try {
          await this.outbound.call('sendMessage', { chat_id: next.value, text }, 'broadcast');
          result.sent++;
        } catch (error) {
          if (classifyFailure(error).kind === 'blocked') result.blocked++;
          else result.failed++;
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    this.logger.log(
      `broadcast done in ${Date.now() - started} ms: ${result.sent} sent, ${result.failed} failed, ${result.blocked} blocked`,
    );
    return result;
  }
}

/** One iterator shared by all workers (async generators queue concurrent `next()` calls). */
function toAsyncIterator(ids: Iterable<number> | AsyncIterable<number>): AsyncIterator<number> {
  if (Symbol.asyncIterator in ids) return ids[Symbol.asyncIterator]();
  const it = ids[Symbol.iterator]();
  return { next: async () => it.next() };
}
