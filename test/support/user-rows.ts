import type { MessageRow, UserWrite } from '../../src/batch/batch.types';

/** A user row with its final increment, as the upsert writes it. */
export type UserUpsertRow = Omit<UserWrite, 'extra'> & { increment: number };

/**
 * The reference semantics of PgBatchWriter's user upsert (see WRITE_BATCH_SQL), for the fake writer.
 * The user rows of one transaction: each user's increment is its `extra` plus the message rows
 * this transaction actually inserted for it (replays insert nothing, so they count nothing).
 * A user with inserted messages but no activity in this write still gets a row, so its count is
 * committed together with the messages (names stay untouched: nulls never overwrite).
 */
export function buildUserRows(
  users: UserWrite[],
  messages: MessageRow[],
  insertedUserIds: number[],
): UserUpsertRow[] {
  const inserted = new Map<number, number>();
  for (const id of insertedUserIds) inserted.set(id, (inserted.get(id) ?? 0) + 1);

  const rows: UserUpsertRow[] = users.map(({ extra, ...u }) => ({
    ...u,
    increment: extra + (inserted.get(u.id) ?? 0),
  }));
  const present = new Set(users.map((u) => u.id));
  for (const [id, count] of inserted) {
    if (present.has(id)) continue;
    const times = messages.filter((m) => m.userId === id).map((m) => m.createdAt.getTime());
    rows.push({
      id,
      username: null,
      firstName: null,
      lastName: null,
      languageCode: null,
      firstSeenAt: new Date(Math.min(...times)),
      lastSeenAt: new Date(Math.max(...times)),
      increment: count,
    });
  }
  return rows;
}
