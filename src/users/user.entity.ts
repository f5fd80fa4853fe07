import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/bigint.transformer';

/** A Telegram user who has talked to the bot. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  id: number;

  @Column({ type: 'text', nullable: true })
  username: string | null;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  @Column({ name: 'language_code', type: 'text', nullable: true })
  languageCode: string | null;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  @Column({ name: 'message_count', type: 'integer', default: 0 })
  messageCount: number;

  /** The language the user chose in the bot; null means "follow language_code". */
  @Column({ name: 'preferred_language', type: 'text', nullable: true })
  preferredLanguage: string | null;

  /** The name the user set in /settings, shown by /me; null means "their Telegram first name". */
  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  /** When the user blocked the bot (null: reachable); written through by BlockedUsersService. */
  @Column({ name: 'blocked_at', type: 'timestamptz', nullable: true })
  blockedAt: Date | null;
}
