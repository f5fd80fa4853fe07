import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../database/bigint.transformer';

/**
 * One incoming message. A Telegram message is identified by its chat and message id, so a replayed
 * update can never be stored twice; `update_id` is not unique (Telegram reuses update ids after a
 * week without updates).
 */
@Entity({ name: 'messages' })
@Index('UQ_messages_chat_message', ['chatId', 'messageId'], { unique: true })
@Index('IDX_messages_user_created', ['userId', 'createdAt'])
@Index('IDX_messages_chat_created', ['chatId', 'createdAt'])
export class MessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'update_id', type: 'bigint', transformer: bigintToNumber })
  updateId: number;

  @Column({ name: 'chat_id', type: 'bigint', transformer: bigintToNumber })
  chatId: number;

  @Column({ name: 'user_id', type: 'bigint', nullable: true, transformer: bigintToNumber })
  userId: number | null;

  @Column({ name: 'message_id', type: 'bigint', transformer: bigintToNumber })
  messageId: number;

  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
