/** One incoming message as the dispatcher hands it to BatchService.addMessage. */
export interface MessageRow {
  updateId: number;
  chatId: number;
  userId: number | null;
  messageId: number;
  text: string | null;
  createdAt: Date;
}

/**
 * One sighting of a user, aggregated per user id before it is written.
 * `messages` is the caller's increment to `message_count` (may be 0). When the same messages are
 * also passed to addMessage (in the same tick), they are not counted twice: see BatchBuffer.
 */
export interface UserActivity {
  id: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  seenAt: Date;
  messages: number;
}

/** A buffered message with its arrival order (`seq`) and arrival time. */
export interface PendingMessage {
  seq: number;
  addedAt: number;
  row: MessageRow;
}

/** Every activity of one user since the last flush that included them, merged into one row. */
export interface UserEntry {
  id: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Sum of UserActivity.messages not yet matched with stored message rows. */
  messages: number;
  /** Lowest `seq` merged into this entry, for durable(). */
  minSeq: number;
  addedAt: number;
}

/** A user row as the writer upserts it: `extra` is added to the messages this write inserts. */
export interface UserWrite {
  id: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  extra: number;
}

/** What one transaction wrote. */
export interface WriteResult {
  messagesInserted: number;
  usersUpserted: number;
}

/** Snapshot of the batcher, for /bot-optimization. */
export interface BatchSnapshot {
  size: number;
  intervalMs: number;
  maxPending: number;
  pending: { messages: number; users: number; total: number };
  oldestPendingAgeMs: number;
  flushes: number;
  rowsWritten: { messages: number; users: number };
  failures: number;
  retries: number;
  deadLetters: number;
  lastFlushAt: string | null;
  lastFlushDurationMs: number | null;
}
