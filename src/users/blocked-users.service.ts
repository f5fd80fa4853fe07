import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { withDbRetry } from '../database/db-retry';
import { UserEntity } from './user.entity';

/** How many users the bot knows, and how many of them blocked it. */
export interface UserCounts {
  total: number;
  blocked: number;
}

/**
 * Who can be reached: users who blocked the bot (a 403 on a send, or a `my_chat_member` update
 * saying "kicked") are skipped by broadcasts until Telegram says they are back. The flag is a rare
 * write, so it is written through, one statement per change; the batched upsert of sightings
 * (usersTable) never writes `blocked_at`, so it can neither set nor clear it.
 */
@Injectable()
export class BlockedUsersService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** Marks known users blocked (unknown ids are ignored: there is nobody to skip). */
  async markBlocked(userIds: readonly number[]): Promise<void> {
    if (!userIds.length) return;
    await withDbRetry(
      () =>
        this.users.query(
          'UPDATE users SET blocked_at = now() WHERE id = ANY($1::bigint[]) AND blocked_at IS NULL',
          [userIds],
        ),
      { label: 'mark users blocked' },
    );
  }

  /** Clears the flag: the user unblocked (or restarted) the bot. */
  async markUnblocked(userId: number): Promise<void> {
    await withDbRetry(
      () =>
        this.users.query(
          'UPDATE users SET blocked_at = NULL WHERE id = $1 AND blocked_at IS NOT NULL',
          [userId],
        ),
      { label: 'mark user unblocked' },
    );
  }

  async counts(): Promise<UserCounts> {
    const [row]: { total: number; blocked: number }[] = await withDbRetry(
      () =>
        this.users.query(
          'SELECT count(*)::int AS total, count(blocked_at)::int AS blocked FROM users',
        ),
      { label: 'count users' },
    );
    return { total: row.total, blocked: row.blocked };
  }

  /** Users who have not blocked the bot. */
  async reachableCount(): Promise<number> {
    const [row]: { n: number }[] = await withDbRetry(
      () => this.users.query('SELECT count(*)::int AS n FROM users WHERE blocked_at IS NULL'),
      { label: 'count reachable users' },
    );
    return row.n;
  }

  /** The next `limit` reachable user ids after `afterId`, in id order (a broadcast's audience). */
  async reachableAfter(afterId: number, limit: number): Promise<number[]> {
    const rows: { id: string }[] = await withDbRetry(
      () =>
        this.users.query(
          'SELECT id FROM users WHERE id > $1 AND blocked_at IS NULL ORDER BY id LIMIT $2',
          [afterId, limit],
        ),
      { label: 'page reachable users' },
    );
    return rows.map((row) => Number(row.id));
  }
}
