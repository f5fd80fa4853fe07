import type { ServerResponse } from 'node:http';
import type { IdCounters } from './id-counters';
import type { NewUpdate, TgUpdate } from './telegram.types';
import { BotApiError, sendJson } from './wire';

interface PendingPoll {
  res: ServerResponse;
  offset: number;
  limit: number;
  timer: NodeJS.Timeout;
}

export interface PollParams {
  offset?: number;
  limit?: number;
  timeout?: number;
  allowed_updates?: string[];
}

/** Unconfirmed updates are kept this long, as Telegram does. */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * getUpdates as Telegram serves it: an update stays until a poll's offset passes it (or 24 h go
 * by); a poll with nothing to return waits up to `timeout` seconds and is answered the moment an
 * update arrives; a newer poll ends a waiting one with 409; `allowed_updates` persists until a
 * poll changes it.
 */
export class UpdateQueue {
  private queue: { update: TgUpdate; at: number }[] = [];
  private pending: PendingPoll | undefined;
  private allowed: string[] = [];
  private confirmed = 0;

  constructor(
    private readonly ids: IdCounters,
    private readonly firstUpdateId: number,
  ) {}

  /** Allocates an id without queueing (updates delivered another way, e.g. a webhook). */
  allocateId(): number {
    return this.ids.take('update', this.firstUpdateId);
  }

  /** Queues updates (ids assigned unless given) and wakes a waiting poll. Returns their ids. */
  push(updates: NewUpdate[]): number[] {
    const now = Date.now();
    const ids = updates.map((u) => {
      const update = { ...u, update_id: u.update_id ?? this.allocateId() } as TgUpdate;
      this.ids.passed('update', update.update_id);
      this.queue.push({ update, at: now });
      return update.update_id;
    });
    this.queue.sort((a, b) => a.update.update_id - b.update.update_id);
    if (this.pending) this.tryAnswer(this.pending);
    return ids;
  }

  /** Updates no poll has confirmed yet. */
  get unconfirmed(): number {
    return this.queue.filter((q) => q.update.update_id >= this.confirmed).length;
  }

  get allowedUpdates(): string[] {
    return this.allowed;
  }

  /** Serves one getUpdates call (the answer is written to `res`, now or when updates arrive). */
  poll(params: PollParams, res: ServerResponse): void {
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    const timeout = Math.max(0, Number(params.timeout ?? 0));
    if (params.allowed_updates !== undefined) this.allowed = params.allowed_updates;
    if (this.pending) {
      const old = this.pending;
      this.pending = undefined;
      clearTimeout(old.timer);
      const conflict = new BotApiError(
        409,
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      );
      sendJson(old.res, 409, conflict.body);
    }
    const now = Date.now();
    if (offset > 0) this.confirmed = Math.max(this.confirmed, offset);
    this.queue = this.queue.filter(
      (q) => q.update.update_id >= this.confirmed && now - q.at < RETENTION_MS,
    );
    const poll: PendingPoll = {
      res,
      offset,
      limit,
      timer: setTimeout(() => this.answer(poll, []), timeout * 1000),
    };
    this.pending = poll;
    res.on('close', () => {
      if (this.pending !== poll) return;
      clearTimeout(poll.timer);
      this.pending = undefined;
    });
    this.tryAnswer(poll);
  }

  /** Forgets every waiting update (deleteWebhook with drop_pending_updates). */
  dropPending(): void {
    this.queue = [];
  }

  /** Answers a waiting poll with nothing (shutdown). */
  release(): void {
    if (this.pending) this.answer(this.pending, []);
  }

  private tryAnswer(poll: PendingPoll): void {
    const available = this.queue
      .map((q) => q.update)
      .filter(
        (u) =>
          u.update_id >= poll.offset &&
          (this.allowed.length === 0 || this.allowed.some((kind) => kind in u)),
      );
    if (available.length > 0) this.answer(poll, available.slice(0, poll.limit));
  }

  private answer(poll: PendingPoll, updates: TgUpdate[]): void {
    clearTimeout(poll.timer);
    if (this.pending === poll) this.pending = undefined;
    sendJson(poll.res, 200, { ok: true, result: updates });
  }
}
