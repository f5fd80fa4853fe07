import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Message } from 'telegraf/types';
import { Repository } from 'typeorm';
import { InjectBatchQueue } from '../batch/batch.module';
import type { BatchQueue } from '../batch/batch.table';
import { withDbRetry } from '../database/db-retry';
import { MessageEntity } from './message.entity';
import { type MessageRow, messagesTable } from './messages.table';

/** Incoming messages: stored through the write buffer, once per update_id. */
@Injectable()
export class MessagesService {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectBatchQueue(messagesTable) private readonly rows: BatchQueue<MessageRow>,
  ) {}

  record(updateId: number, message: Message): void {
    this.rows.add({
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
