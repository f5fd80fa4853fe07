import type { MessageRow, PendingMessage, UserActivity, UserEntry, UserWrite } from './batch.types';

/** Rows taken out of the buffers for one flush (or one part of it while isolating a bad row). */
export interface FlushUnit {
  messages: PendingMessage[];
  users: UserEntry[];
}

/**
 * The two write-behind buffers: messages in arrival order, users merged per id.
 *
 * Counting messages for users, replay-safe: `users.message_count` grows, in the same transaction,
 * by the message rows that transaction actually inserted (a replayed update_id inserts nothing)
 * plus `extra` = activity messages not matched by a buffered message row of that user
 * (`max(0, activity messages - pending rows)`). So a caller may pass `messages: 1` or `0` for a
 * message it also hands to addMessage, in either order, as long as both calls happen in the same
 * tick: a message is counted once, and a replay after a crash is counted zero times.
 * When rows leave without their user's entry (the entry arrived while they were being written,
 * or a row was dead-lettered), the entry's messages shrink by as many, keeping `extra` unchanged.
 */
export class BatchBuffer {
  private messages: PendingMessage[] = [];
  private users = new Map<number, UserEntry>();
  private readonly inFlightMessages = new Set<PendingMessage>();
  private readonly inFlightUsers = new Map<number, UserEntry>();
  private readonly rowsByUser = new Map<number, number>();
  private seq = 0;

  /** Sequence number of the last row added. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Messages waiting (not being written). */
  get waitingMessages(): number {
    return this.messages.length;
  }

  /** User rows waiting (not being written). */
  get waitingUsers(): number {
    return this.users.size;
  }

  /** Messages not yet committed, including those being written. */
  get pendingMessages(): number {
    return this.messages.length + this.inFlightMessages.size;
  }

  /** User rows not yet committed, including those being written. */
  get pendingUsers(): number {
    return this.users.size + this.inFlightUsers.size;
  }

  get pending(): number {
    return this.pendingMessages + this.pendingUsers;
  }

  addMessage(row: MessageRow, now: number): number {
    const seq = ++this.seq;
    this.messages.push({ seq, addedAt: now, row });
    if (row.userId !== null)
      this.rowsByUser.set(row.userId, (this.rowsByUser.get(row.userId) ?? 0) + 1);
    return seq;
  }

  addActivity(activity: UserActivity, now: number): number {
    const seq = ++this.seq;
    const entry: UserEntry = {
      id: activity.id,
      username: activity.username,
      firstName: activity.firstName,
      lastName: activity.lastName,
      languageCode: activity.languageCode,
      firstSeenAt: activity.seenAt,
      lastSeenAt: activity.seenAt,
      messages: activity.messages,
      minSeq: seq,
      addedAt: now,
    };
    const existing = this.users.get(activity.id);
    this.users.set(activity.id, existing ? mergeEntries(existing, entry) : entry);
    return seq;
  }

  /**
   * Takes up to `size` messages (oldest first) and the users to write with them: every user with a
   * message in the chunk (so its count commits with its rows), then the oldest others up to `size`.
   */
  take(size: number): FlushUnit {
    const messages = this.messages.splice(0, size);
    const chunkUsers = new Set<number>();
    for (const m of messages) if (m.row.userId !== null) chunkUsers.add(m.row.userId);
    const users: UserEntry[] = [];
    for (const id of chunkUsers) {
      const entry = this.users.get(id);
      if (!entry) continue;
      users.push(entry);
      this.users.delete(id);
    }
    let room = size - chunkUsers.size;
    for (const [id, entry] of this.users) {
      if (room-- <= 0) break;
      users.push(entry);
      this.users.delete(id);
    }
    for (const m of messages) this.inFlightMessages.add(m);
    for (const u of users) this.inFlightUsers.set(u.id, u);
    return { messages, users };
  }

  /** The user rows to write for these entries, with `extra` as described on the class. */
  toWrites(users: UserEntry[]): UserWrite[] {
    return users.map((u) => ({
      id: u.id,
      username: u.username,
      firstName: u.firstName,
      lastName: u.lastName,
      languageCode: u.languageCode,
      firstSeenAt: u.firstSeenAt,
      lastSeenAt: u.lastSeenAt,
      extra: Math.max(0, u.messages - (this.rowsByUser.get(u.id) ?? 0)),
    }));
  }

  /** Forgets rows that are committed (or dead-lettered). */
  settle(unit: FlushUnit): void {
    const withEntry = new Set(unit.users.map((u) => u.id));
    for (const u of unit.users) this.inFlightUsers.delete(u.id);
    const left = new Map<number, number>();
    for (const m of unit.messages) {
      this.inFlightMessages.delete(m);
      const id = m.row.userId;
      if (id === null) continue;
      const rows = (this.rowsByUser.get(id) ?? 1) - 1;
      if (rows > 0) this.rowsByUser.set(id, rows);
      else this.rowsByUser.delete(id);
      if (!withEntry.has(id)) left.set(id, (left.get(id) ?? 0) + 1);
    }
    for (const [id, count] of left) {
      const entry = this.inFlightUsers.get(id) ?? this.users.get(id);
      if (entry) entry.messages = Math.max(0, entry.messages - count);
    }
  }

  /** Puts rows whose write failed back in front, in their original order. */
  restore(unit: FlushUnit): void {
    const messages = [...unit.messages].sort((a, b) => a.seq - b.seq);
    for (const m of messages) this.inFlightMessages.delete(m);
    this.messages = messages.concat(this.messages);

    const users = [...unit.users].sort((a, b) => a.minSeq - b.minSeq);
    const merged = new Map<number, UserEntry>();
    for (const u of users) {
      this.inFlightUsers.delete(u.id);
      const newer = this.users.get(u.id);
      merged.set(u.id, newer ? mergeEntries(u, newer) : u);
    }
    for (const [id, entry] of this.users) if (!merged.has(id)) merged.set(id, entry);
    this.users = merged;
  }

  /** The lowest sequence number not yet committed (Infinity when everything is). */
  minPendingSeq(): number {
    return Math.min(
      this.minWaitingSeq(),
      ...[...this.inFlightMessages].map((m) => m.seq),
      ...[...this.inFlightUsers.values()].map((u) => u.minSeq),
    );
  }

  /** The lowest sequence number waiting (not being written). */
  minWaitingSeq(): number {
    let min = this.messages[0]?.seq ?? Infinity;
    for (const u of this.users.values()) if (u.minSeq < min) min = u.minSeq;
    return min;
  }

  /** When the oldest uncommitted row arrived (null when none). */
  oldestAddedAt(): number | null {
    let oldest = Infinity;
    const all = [
      this.messages[0],
      ...this.inFlightMessages,
      ...this.users.values(),
      ...this.inFlightUsers.values(),
    ];
    for (const item of all) if (item && item.addedAt < oldest) oldest = item.addedAt;
    return oldest === Infinity ? null : oldest;
  }
}

/** Merges a later entry into an earlier one: counts add, seen times widen, latest names win. */
export function mergeEntries(earlier: UserEntry, later: UserEntry): UserEntry {
  const latest = later.lastSeenAt.getTime() >= earlier.lastSeenAt.getTime() ? later : earlier;
  const other = latest === later ? earlier : later;
  return {
    id: earlier.id,
    username: latest.username ?? other.username,
    firstName: latest.firstName ?? other.firstName,
    lastName: latest.lastName ?? other.lastName,
    languageCode: latest.languageCode ?? other.languageCode,
    firstSeenAt: earlier.firstSeenAt <= later.firstSeenAt ? earlier.firstSeenAt : later.firstSeenAt,
    lastSeenAt: latest.lastSeenAt,
    messages: earlier.messages + later.messages,
    minSeq: Math.min(earlier.minSeq, later.minSeq),
    addedAt: Math.min(earlier.addedAt, later.addedAt),
  };
}
