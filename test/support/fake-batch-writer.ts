import type { MessageRow, UserWrite, WriteResult } from '../../src/batch/batch.types';
import { buildUserRows } from './user-rows';
import { BatchWriter } from '../../src/batch/batch.writer';

/** An error shaped like a pg error with this SQLSTATE / node code. */
export function dbError(code: string, message = `db error ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

interface StoredUser {
  username: string | null;
  firstName: string | null;
  messageCount: number;
  lastSeenAt: Date;
}

/** In-memory stand-in for PgBatchWriter with the same upsert semantics, for unit specs. */
export class FakeBatchWriter extends BatchWriter {
  readonly writes: { messages: MessageRow[]; users: UserWrite[] }[] = [];
  readonly messages = new Map<number, MessageRow>();
  readonly users = new Map<number, StoredUser>();
  readonly deadLetters: { kind: string; payload: unknown; reason: string }[] = [];
  /** Errors thrown by the next write calls, one per call. */
  readonly failNext: Error[] = [];
  /** Rows the "database" refuses for their content. */
  rejects: (row: MessageRow) => boolean = () => false;
  /** While set, writes wait for it. */
  gate: Promise<void> | null = null;
  active = 0;
  maxActive = 0;

  async write(messages: MessageRow[], users: UserWrite[]): Promise<WriteResult> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.gate) await this.gate;
      this.writes.push({ messages, users });
      const failure = this.failNext.shift();
      if (failure) throw failure;
      if (messages.some((m) => this.rejects(m))) throw dbError('22P02', 'invalid input syntax');
      const inserted: number[] = [];
      let count = 0;
      for (const m of messages) {
        if (this.messages.has(m.updateId)) continue;
        this.messages.set(m.updateId, m);
        count++;
        if (m.userId !== null) inserted.push(m.userId);
      }
      const rows = buildUserRows(users, messages, inserted);
      for (const r of rows) {
        const old = this.users.get(r.id);
        this.users.set(r.id, {
          username: r.username ?? old?.username ?? null,
          firstName: r.firstName ?? old?.firstName ?? null,
          messageCount: (old?.messageCount ?? 0) + r.increment,
          lastSeenAt: old && old.lastSeenAt > r.lastSeenAt ? old.lastSeenAt : r.lastSeenAt,
        });
      }
      return { messagesInserted: count, usersUpserted: rows.length };
    } finally {
      this.active--;
    }
  }

  async deadLetter(kind: 'message' | 'user', payloadJson: string, reason: string): Promise<void> {
    this.deadLetters.push({ kind, payload: JSON.parse(payloadJson), reason });
  }

  /** Update ids in the order they were stored. */
  storedIds(): number[] {
    return [...this.messages.keys()];
  }
}

/** A message row for update `id` from user `userId`. */
export function message(id: number, userId: number | null = 1000 + id): MessageRow {
  return {
    updateId: id,
    chatId: userId ?? -1,
    userId,
    messageId: id,
    text: `m${id}`,
    createdAt: new Date(1_700_000_000_000 + id),
  };
}
