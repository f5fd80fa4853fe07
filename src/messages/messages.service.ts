import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Message } from 'telegraf/types';
import { Repository } from 'typeorm';
import { BatchService } from '../batch/batch.service';
import { withDbRetry } from '../database/db-retry';
import { MessageEntity } from './message.entity';

/** Incoming messages: stored through the write buffer, once per update_id. */
@Injectable()
export class MessagesService {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    private readonly batch: BatchService,
  ) {}

  record(updateId: number, message: Message): void {
    this.batch.addMessage({
      updateId,
      chatId: message.chat.id,
      userId: message.from?.id ?? null,
      messageId: message.message_id,
      text:
        'text' in message ? message.text : 'caption' in message ? (message.caption ?? null) : null,
      createdAt: new Date(message.date * 1000),
    });
  }

  count(): Promise<number> {
    return withDbRetry(() => this.messages.count(), { label: 'count messages' });
  }
}
