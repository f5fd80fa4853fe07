import { Logger } from '@nestjs/common';
import Denque from 'denque';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { atMostEvery } from '../common/at-most-every';
import { errorMessage } from '../common/error-message';
import type { BudgetState, OutboundGate } from './outbound-gate';
import {
  LANES,
  OutboundClosedError,
  OutboundGovernor,
  type GovernorOptions,
  type OutboundLane,
} from './outbound.governor';
import type { SharedBudgetScripts, TakeResult } from './shared-budget.script';

/** After a failed Redis call the budget stays local this long before Redis is asked again. */
const RETRY_SHARED_MS = 2000;
const WARN_EVERY_MS = 30_000;
/** A send this much later than its release is on time (sentLate). */
const LATE_TOLERANCE_MS = 3;
/** Recent releases remembered for sentLate, and corrections kept for the next take. */
const MAX_RELEASES = 64;

interface Ticket {
  readonly lane: OutboundLane;
  resolve(): void;
  reject(error: Error): void;
}

/** The calls of one chat (or of no chat: key undefined), sent strictly in order. */
interface ChatQueue {
  readonly key: string | undefined;
  readonly waiting: Denque<Ticket>;
  /** A Redis call for its head is on the way. */
  inFlight: boolean;
  blockedUntil: number;
  timer?: NodeJS.Timeout;
  /** Lanes whose ready queue holds this chat (a chat is listed once per lane at most). */
  readonly listed: Set<OutboundLane>;
}

export interface SharedGovernorDeps {
  redis: Redis;
  scripts: SharedBudgetScripts;
  /** The in-process limits: the fallback takes `globalPerSecond ÷ replicas()`. */
  options: GovernorOptions;
  /** Replicas the global limit is split between while Redis is unreachable. */
  replicas: () => number;
}

/**
 * The flood budget shared by every replica through Redis: each call asks one script for the
 * global, chat and pause checks at once (SharedBudgetScripts). Order within a chat and lane
 * priority are kept here, per process; the script keeps interactive calls ahead across replicas.
 *
 * Redis unreachable (connection not ready, or a call failed): calls go through an in-process
 * OutboundGovernor holding this replica's share of the global limit, so an outage cannot cause a
 * 429 storm; waiting calls move there once, in order, and each is released exactly once. Hand-written
 * rather than rate-limiter-flexible: that library takes one limiter per round trip and has no
 * notion of lanes or of a pause set by a 429, so global + chat + pause would cost three calls.
 */
export class SharedOutboundGovernor implements OutboundGate {
  private readonly logger = new Logger('OutboundBudget');
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);
  private readonly replicaId = randomUUID();
  private seq = 0;
  private readonly released = new Denque<{ at: number; member: string }>();
  /** (member, ms) pairs for the next take. */
  private late: (string | number)[] = [];
  private readonly chats = new Map<string | undefined, ChatQueue>();
  private readonly ready: Record<OutboundLane, Denque<ChatQueue>> = {
    interactive: new Denque(),
    broadcast: new Denque(),
  };
  private readonly pending: Record<OutboundLane, number> = { interactive: 0, broadcast: 0 };
  private fallback: OutboundGovernor;
  private fallbackShare: number;
  private sharedAfter = 0;
  private pausedUntil = 0;
  private pumping = false;
  private pumpTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: SharedGovernorDeps) {
    this.fallbackShare = this.share();
    this.fallback = this.localGovernor(this.fallbackShare);
  }

  budget(): BudgetState {
    return { mode: this.usingRedis() ? 'shared' : 'fallback', replicas: this.deps.replicas() };
  }

  queued(lane: OutboundLane): number {
    return this.pending[lane] + this.fallback.queued(lane);
  }

  globalPauseMs(): number {
    return Math.max(0, this.pausedUntil - Date.now(), this.fallback.globalPauseMs());
  }

  /**
   * Corrections ride on this replica's next take (no round trip of their own): under load, when
   * the window is full, that is within milliseconds; when idle, the window has room anyway.
   */
  sentLate(releasedAt: number, sentAt: number): void {
    this.fallback.sentLate(releasedAt, sentAt);
    const delay = sentAt - releasedAt;
    if (delay <= LATE_TOLERANCE_MS) return;
    for (let i = this.released.length - 1; i >= 0; i--) {
      const release = this.released.get(i)!;
      if (release.at > releasedAt || release.at < releasedAt - LATE_TOLERANCE_MS) continue;
      this.released.removeOne(i);
      if (this.late.length >= 2 * MAX_RELEASES) this.late.splice(0, 2);
      this.late.push(release.member, delay);
      return;
    }
  }

  acquire(chatId: string | number | undefined, lane: OutboundLane, retry = false): Promise<void> {
    if (this.closed) return Promise.reject(new OutboundClosedError());
    if (!this.usingRedis()) return this.localFallback().acquire(chatId, lane, retry);
    const key = chatId === undefined ? undefined : String(chatId);
    return new Promise<void>((resolve, reject) => {
      this.pending[lane]++;
      const ticket: Ticket = {
        lane,
        resolve: () => (this.pending[lane]--, resolve()),
        reject: (error) => (this.pending[lane]--, reject(error)),
      };
      const chat = this.chatQueue(key);
      if (retry) chat.waiting.unshift(ticket);
      else chat.waiting.push(ticket);
      this.list(chat, retry);
      this.kick();
    });
  }

  /**
   * The scope is decided as in one process (a flood from several chats at once is bot-wide); the
   * pause is written to Redis, so every replica holds back, and applied here at once.
   */
  reportFlood(chatId: string | number | undefined, retryAfterMs: number): 'chat' | 'global' {
    const scope = this.fallback.reportFlood(chatId, retryAfterMs);
    const key = scope === 'global' || chatId === undefined ? undefined : String(chatId);
    const until = Date.now() + retryAfterMs;
    if (key === undefined) this.pausedUntil = Math.max(this.pausedUntil, until);
    else {
      const chat = this.chats.get(key);
      if (chat) chat.blockedUntil = Math.max(chat.blockedUntil, until);
    }
    // Sent before any later take on the same connection, so this replica's retry sees it too.
    this.deps.scripts.pause(key, retryAfterMs).catch((error) => this.redisFailed(error));
    return scope;
  }

  close(): void {
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    const error = new OutboundClosedError();
    for (const chat of this.chats.values()) {
      if (chat.timer) clearTimeout(chat.timer);
      for (const ticket of drain(chat.waiting)) ticket.reject(error);
    }
    this.chats.clear();
    for (const lane of LANES) this.ready[lane].clear();
    this.fallback.close();
  }

  /** Redis is up, and the fallback has released what it held (so no chat's calls overtake). */
  private usingRedis(): boolean {
    return (
      this.deps.redis.status === 'ready' &&
      Date.now() >= this.sharedAfter &&
      LANES.every((lane) => this.fallback.queued(lane) === 0)
    );
  }

  /** The fallback governor, renewed when the replica count changed and it holds nothing. */
  private localFallback(): OutboundGovernor {
    const share = this.share();
    const idle = LANES.every((lane) => this.fallback.queued(lane) === 0);
    if (share !== this.fallbackShare && idle) {
      this.fallback.close();
      this.fallback = this.localGovernor(share);
      this.fallbackShare = share;
    }
    return this.fallback;
  }

  /**
   * The global limit ÷ replicas, less a tenth: the replicas' windows no longer line up, and their
   * sends reach Telegram with different delays, so exact shares would add up to brief overruns.
   */
  private share(): number {
    const { globalPerSecond } = this.deps.options;
    return Math.max(1, Math.floor((globalPerSecond * 0.9) / this.deps.replicas()));
  }

  private localGovernor(globalPerSecond: number): OutboundGovernor {
    return new OutboundGovernor({ ...this.deps.options, globalPerSecond });
  }

  private chatQueue(key: string | undefined): ChatQueue {
    let chat = this.chats.get(key);
    if (!chat) {
      chat = { key, waiting: new Denque(), inFlight: false, blockedUntil: 0, listed: new Set() };
      this.chats.set(key, chat);
    }
    return chat;
  }

  /** Lists `chat` as ready in its head's lane (at the front for a retry). */
  private list(chat: ChatQueue, front = false): void {
    const head = chat.waiting.peekFront();
    if (!head || chat.listed.has(head.lane) || chat.timer) return;
    chat.listed.add(head.lane);
    if (front) this.ready[head.lane].unshift(chat);
    else this.ready[head.lane].push(chat);
  }

  private nextReady(): ChatQueue | undefined {
    for (const lane of LANES) {
      for (;;) {
        const chat = this.ready[lane].shift();
        if (!chat) break;
        chat.listed.delete(lane);
        if (!chat.inFlight && !chat.timer && chat.waiting.length > 0) return chat;
      }
    }
    return undefined;
  }

  private kick(): void {
    if (this.pumping || this.pumpTimer || this.closed) return;
    this.pumping = true;
    void this.pump();
  }

  /** Asks Redis for each ready chat's head in turn, interactive first; one call in flight. */
  private async pump(): Promise<void> {
    try {
      await this.pumpReady();
    } finally {
      // Cleared as the loop ends, before any other code runs: a call queued next kicks anew.
      this.pumping = false;
    }
  }

  private async pumpReady(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      if (!this.usingRedis()) return this.moveToFallback();
      const chat = this.nextReady();
      if (!chat) return;
      const head = chat.waiting.peekFront()!;
      const now = Date.now();
      const localWait = Math.max(chat.blockedUntil, this.pausedUntil) - now;
      if (localWait > 0) {
        this.hold(chat, localWait);
        continue;
      }
      chat.inFlight = true;
      const member = `${this.replicaId}:${this.seq++}`;
      const late = this.late;
      this.late = [];
      let result: TakeResult;
      try {
        result = await this.deps.scripts.take(member, chat.key, head.lane === 'interactive', late);
      } catch (error) {
        chat.inFlight = false;
        this.list(chat, true);
        // A timed-out call may still have taken tokens in Redis: over-counted, never over-sent.
        this.redisFailed(error);
        continue;
      } finally {
        chat.inFlight = false;
      }
      if (this.closed) return;
      const [waitMs, scope] = result;
      if (waitMs <= 0) {
        chat.waiting.shift();
        this.released.push({ at: Date.now(), member });
        if (this.released.length > MAX_RELEASES) this.released.shift();
        head.resolve();
        this.afterChat(chat);
        continue;
      }
      if (scope === 'chat') {
        this.hold(chat, waitMs);
        continue;
      }
      if (scope === 'pause') this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
      this.list(chat, true);
      this.pumpTimer = setTimeout(() => {
        this.pumpTimer = undefined;
        this.kick();
      }, waitMs);
      return;
    }
  }

  /** Keeps `chat` out of the ready lanes for `ms`. */
  private hold(chat: ChatQueue, ms: number): void {
    chat.timer = setTimeout(() => {
      chat.timer = undefined;
      this.list(chat);
      this.kick();
    }, ms);
  }

  private afterChat(chat: ChatQueue): void {
    if (chat.waiting.length > 0) this.list(chat);
    else if (!chat.timer) this.chats.delete(chat.key);
  }

  private redisFailed(error: unknown): void {
    this.sharedAfter = Date.now() + RETRY_SHARED_MS;
    if (this.warnGate())
      this.logger.warn(
        `shared flood budget unavailable, sending at this replica's share: ${errorMessage(error)}`,
      );
  }

  /** Hands every waiting call, each chat in order, to the in-process fallback. */
  private moveToFallback(): void {
    const fallback = this.localFallback();
    for (const chat of this.chats.values()) {
      if (chat.timer) clearTimeout(chat.timer);
      for (const ticket of drain(chat.waiting)) {
        fallback.acquire(chat.key, ticket.lane).then(ticket.resolve, ticket.reject);
      }
    }
    this.chats.clear();
    for (const lane of LANES) this.ready[lane].clear();
  }
}

function drain<T>(queue: Denque<T>): T[] {
  const items = queue.toArray();
  queue.clear();
  return items;
}
