import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { BatchService } from '../../batch/batch.service';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { BotStatusService } from '../bot-status.service';
import { BotMetrics } from '../bot.metrics';
import { UpdateDeduplicator } from '../dispatch/update-deduplicator';
import { UpdateDispatcher } from '../dispatch/update-dispatcher';
import { BOT_TELEGRAM } from '../transport/telegram-transport';
import { IntakeJournal } from './intake-journal';
import { OffsetTracker } from './offset-tracker';
import { UpdateClaims } from './update-claims';
import { UpdateTelegram } from './update-telegram';
import {
  UpdateEffects,
  type EffectOutcome,
  type EffectRecorder,
  type RecordedEffects,
} from './update-effects';

/** The webhook's answer: 200, or a refusal that makes Telegram send the update again later. */
export type Acceptance =
  | { accepted: true }
  | { accepted: false; status: 429 | 503; retryAfterSec: number; reason: string };

const refuse = (status: 429 | 503, reason: string, retryAfterSec: number): Acceptance => ({
  accepted: false,
  status,
  retryAfterSec,
  reason,
});

/**
 * The one owner of acknowledgement: it alone decides when Telegram may hear that an update is
 * taken care of, for polling (the offset the next getUpdates confirms) and webhook (the 200).
 *
 * An update is received, then journaled (a line in the intake journal, durable as JOURNAL_FSYNC
 * says) or finished (handled, and its rows durable: see BatchService.durable). Telegram hears
 * "got it" only for updates journaled or finished. A crash then loses nothing: the next start runs
 * again every journaled update that did not finish. Replies are effects recorded in the same
 * journal (the outbox, see UpdateEffects): each message call is recorded before it is sent and its
 * answer after, so a run after a crash never sends again what may have reached the chat.
 *
 * Without the journal (BATCH_JOURNAL=false) only finished updates are acknowledged, and replies
 * are not recorded.
 */
@Injectable()
export class UpdateLedger implements EffectRecorder {
  private readonly logger = new Logger(UpdateLedger.name);
  private readonly tracker = new OffsetTracker();
  /** False without a journal, and after a journal write failed (for the rest of this run). */
  private journaling: boolean;
  /** Received, unfinished and not journaled yet: most updates finish before they need to be. */
  private readonly unjournaled = new Map<number, Update>();
  /** What a crashed predecessor's runs of unfinished updates did, until they run here. */
  private recorded = new Map<number, RecordedEffects>();
  /** Updates a predecessor finished: sent again by Telegram, they are duplicates. */
  private finishedBefore = new Set<number>();
  /** Polling: Telegram has confirmed every update_id below this. */
  private confirmedBelow = 0;
  /** Webhook: answered 200 and not finished yet. */
  private readonly answered = new Set<number>();
  /** Webhook updates being journaled and claimed, not begun yet: a second delivery is a duplicate. */
  private readonly claiming = new Set<number>();
  /**
   * Finished, but Telegram has not heard so yet: their journal lines stay, since Telegram sends
   * them again after a crash, and then the lines tell what they did.
   */
  private readonly unacknowledged = new Set<number>();

  constructor(
    private readonly dedup: UpdateDeduplicator,
    private readonly dispatcher: UpdateDispatcher,
    private readonly batch: BatchService,
    private readonly metrics: BotMetrics,
    private readonly status: BotStatusService,
    @Inject(BOT_TELEGRAM) private readonly telegram: Telegram,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    // Absent with BATCH_JOURNAL=false.
    @Optional() @Inject(IntakeJournal) private readonly journal: IntakeJournal | null = null,
    // Only for replicas sharing Redis (polling with the lease, or webhooks), with the journal.
    @Optional() @Inject(UpdateClaims) private readonly claims: UpdateClaims | null = null,
  ) {
    this.journaling = journal !== null;
  }

  /** Whether received updates may be acknowledged before they finish (the journal works). */
  get journalsUpdates(): boolean {
    return this.journaling;
  }

  /**
   * Opens the journal and runs again, oldest first, what a crashed predecessor received but did
   * not finish. Call before the first poll or webhook request.
   */
  async start(): Promise<void> {
    if (!this.journal) return;
    const state = await this.journal.open();
    this.metrics.journalDamaged.inc(this.journal.damagedRecords);
    // Every update the predecessor journaled is either finished or run again here.
    if (state.highestId >= 0) this.tracker.skip(state.highestId);
    this.recorded = state.effects;
    this.finishedBefore = state.finished;
    const inDoubt = [...state.effects.values()].reduce(
      (sum, effects) => sum + [...effects.values()].filter((e) => e.kind === 'attempted').length,
      0,
    );
    if (inDoubt) {
      this.metrics.effectsInDoubt.inc(inDoubt);
      this.logger.warn(
        `${inDoubt} message call(s) were on their way to Telegram when an earlier run stopped; they are not sent again`,
      );
    }
    const unfinished = await this.ownedOf(state.unfinished);
    if (unfinished.length) {
      this.logger.warn(`Running ${unfinished.length} update(s) an earlier run did not finish`);
      this.metrics.replayed.inc(unfinished.length);
      for (const update of unfinished) {
        // A journaled webhook update was answered 200 (or comes again and is dropped as in flight).
        if (this.config.mode === 'webhook') this.answered.add(update.update_id);
        void this.begin(update, true);
      }
    }
  }

  /** Polling: takes a page of updates; returns how many were new. They run in the background. */
  async receive(updates: Update[]): Promise<number> {
    this.metrics.updatesReceived.inc(updates.length);
    let fresh = await this.fresh(updates);
    const journaled = this.claims !== null && this.journaling;
    if (journaled) fresh = await this.journalAndClaim(fresh);
    const freshIds = new Set(fresh.map((u) => u.update_id));
    for (const u of updates) if (!freshIds.has(u.update_id)) this.tracker.skip(u.update_id);
    for (const update of fresh) void this.begin(update, journaled);
    return fresh.length;
  }

  /**
   * Polling replicas: after a failover Telegram sends again what the old leader had not
   * confirmed, so each update is journaled here first and then claimed; one claimed by another
   * replica is that replica's to finish (see UpdateClaims), and is dropped here.
   */
  private async journalAndClaim(fresh: Update[]): Promise<Update[]> {
    if (fresh.length === 0) return fresh;
    this.journal!.append(fresh);
    if (!(await this.syncJournal())) return fresh;
    return this.keepOwned(fresh);
  }

  /** A predecessor's unfinished updates that are still this replica's to run (not claimed elsewhere). */
  private async ownedOf(unfinished: Update[]): Promise<Update[]> {
    if (!this.claims || unfinished.length === 0) return unfinished;
    return this.keepOwned(unfinished);
  }

  /** Claims journaled updates; those another replica owns leave the journal and are dropped. */
  private async keepOwned(updates: Update[]): Promise<Update[]> {
    const owned = await this.claims!.claim(updates.map((u) => u.update_id));
    return updates.filter((u) => {
      if (owned.has(u.update_id)) return true;
      this.recorded.delete(u.update_id);
      this.journal!.finish(u.update_id);
      this.metrics.duplicates.inc({ reason: 'claimed' });
      return false;
    });
  }

  /**
   * Polling: the offset the next getUpdates may confirm. With the journal, the updates still
   * running are journaled first, so the offset passes every update received; without, it stops
   * at the oldest unfinished one.
   */
  async confirmableOffset(): Promise<number> {
    if (this.journaling) await this.journalUnfinished();
    return this.journaling ? this.tracker.next : this.tracker.offset;
  }

  /** Polling: a getUpdates with `offset` succeeded, so Telegram will not send what is below again. */
  confirmed(offset: number): void {
    if (offset <= this.confirmedBelow) return;
    this.confirmedBelow = offset;
    for (const id of this.unacknowledged) {
      if (id >= offset) continue;
      this.unacknowledged.delete(id);
      this.journal?.finish(id);
    }
    // A predecessor's record of updates it never journaled: of no use once they cannot come again.
    for (const id of this.recorded.keys()) {
      if (id < offset && !this.tracker.isUnfinished(id)) {
        this.recorded.delete(id);
        this.journal?.finish(id);
      }
    }
  }

  /**
   * Webhook: resolves with 200 once the update is durable (journaled, or without the journal
   * finished), or with a refusal when that cannot happen before `signal` aborts or while draining.
   */
  async acceptWebhook(update: Update, signal: AbortSignal): Promise<Acceptance> {
    this.metrics.updatesReceived.inc();
    if (this.status.draining) return this.refused(refuse(503, 'draining', 5));
    await this.whenRoom(signal);
    if (this.status.draining) return this.refused(refuse(503, 'draining', 5));
    if (signal.aborted) return this.refused(refuse(429, 'busy', 1));
    const [fresh] = await this.fresh([update]);
    if (!fresh) return { accepted: true };
    // A second delivery of the same update may have passed fresh() meanwhile.
    if (this.inFlight(update.update_id)) {
      this.metrics.duplicates.inc({ reason: 'in_flight' });
      return { accepted: true };
    }
    if (this.journaling && this.claims) return this.acceptShared(update, signal);
    if (this.journaling) {
      this.journal!.append([update]);
      const processing = this.begin(update, true);
      if (await this.syncJournal()) return this.answer(update.update_id);
      return this.whenFinished(update.update_id, processing, signal);
    }
    return this.whenFinished(update.update_id, this.begin(update, true), signal);
  }

  /**
   * Webhook replicas sharing Redis: journaled first, then claimed, as a polling page is, so a
   * replica that dies in between still holds the update, and the one that claims it runs it.
   */
  private async acceptShared(update: Update, signal: AbortSignal): Promise<Acceptance> {
    const id = update.update_id;
    this.claiming.add(id);
    let processing: Promise<void> | undefined;
    try {
      const [owned] = await this.journalAndClaim([update]);
      if (owned) processing = this.begin(update, true);
    } finally {
      this.claiming.delete(id);
    }
    if (!processing) return { accepted: true };
    // A journal still writing means the line is durable; after a failed write it is not.
    return this.journaling ? this.answer(id) : this.whenFinished(id, processing, signal);
  }

  /** Room for `count` more updates in the dispatcher, and write buffers below their bound. */
  async whenRoom(signal?: AbortSignal, count = 1): Promise<void> {
    await this.dispatcher.whenRoom(signal, count);
    if (this.batch.full && !signal?.aborted) await this.whenNotFull(signal);
  }

  /** Resolves when nothing is unfinished, after `timeoutMs`, or when `signal` aborts. */
  whenIdle(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    return this.tracker.whenIdle(signal, timeoutMs);
  }

  /**
   * Without the journal: resolves once a getUpdates with `limit` could bring `wanted` new updates
   * (Telegram answers from the oldest unfinished one), or `signal` aborts.
   */
  whenPageFits(limit: number, wanted: number, signal?: AbortSignal): Promise<void> {
    return this.tracker.whenRoom(limit, wanted, signal);
  }

  /** After the drain: the journal keeps its file for the next start only if updates are unfinished. */
  async close(): Promise<void> {
    if (this.journaling) await this.journalUnfinished();
    await this.journal
      ?.close()
      .catch((error: Error) => this.logger.warn(`intake journal close failed: ${error.message}`));
  }

  /** EffectRecorder: "effect n of this update is about to be sent", durable before it is. */
  async attempt(updateId: number, n: number): Promise<void> {
    if (!this.journaling) return;
    try {
      await this.journal!.attempt(updateId, n);
    } catch (error) {
      this.journalFailed(error as Error);
    }
  }

  /** EffectRecorder: Telegram's answer to effect n. */
  outcome(updateId: number, n: number, outcome: EffectOutcome): void {
    if (this.journaling) this.journal!.outcome(updateId, n, outcome);
  }

  /** The write buffers below their bound, or `signal` aborted (the database may stay down). */
  private whenNotFull(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.batch.whenNotFull();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void this.batch.whenNotFull().then(done);
    });
  }

  private async fresh(updates: Update[]): Promise<Update[]> {
    const unseen = updates.filter((u) => {
      if (!this.finishedBefore.has(u.update_id)) return true;
      this.metrics.duplicates.inc({ reason: 'journal' });
      return false;
    });
    return this.dedup.fresh(unseen, (id) => this.inFlight(id), {
      // With the journal, what ran before is known from it; without, only stored messages tell.
      checkStored: !this.journaling,
      // Claims follow the journal write; without a journal, the deduplicator claims.
      claimedByCaller: this.claims !== null && this.journaling,
    });
  }

  private inFlight(id: number): boolean {
    return this.tracker.isUnfinished(id) || this.claiming.has(id);
  }

  /** Starts an update; the promise settles once it is finished (never rejects). */
  private begin(update: Update, journaled: boolean): Promise<void> {
    this.tracker.accept(update.update_id);
    if (this.journaling && !journaled) this.unjournaled.set(update.update_id, update);
    return this.process(update).catch((error: unknown) =>
      this.logger.error(
        `update ${update.update_id} could not complete: ${(error as Error).message}`,
      ),
    );
  }

  private async process(update: Update): Promise<void> {
    const id = update.update_id;
    let effects: UpdateEffects | undefined;
    if (this.journaling) {
      effects = new UpdateEffects(id, this, this.recorded.get(id));
      this.recorded.delete(id);
    }
    await this.dispatcher.dispatch(update, new UpdateTelegram(this.telegram, effects));
    effects?.close();
    await this.batch.durable();
    this.dedup.markDone(id);
    this.tracker.finish(id);
    this.unjournaled.delete(id);
    if (!this.journal?.holds(id)) return;
    if (id < this.confirmedBelow || this.answered.delete(id)) this.journal.finish(id);
    else this.unacknowledged.add(id);
  }

  /** Webhook: the update is answered 200; once it is finished too, its lines may go. */
  private answer(id: number): Acceptance {
    if (this.unacknowledged.delete(id)) this.journal!.finish(id);
    else if (this.journal?.holds(id)) this.answered.add(id);
    return { accepted: true };
  }

  private async journalUnfinished(): Promise<void> {
    if (this.unjournaled.size > 0) {
      this.journal!.append([...this.unjournaled.values()]);
      this.unjournaled.clear();
    }
    await this.syncJournal();
  }

  /** False when the journal failed: from then on only finished updates are acknowledged. */
  private async syncJournal(): Promise<boolean> {
    try {
      await this.journal!.sync();
      return this.journaling;
    } catch (error) {
      this.journalFailed(error as Error);
      return false;
    }
  }

  private journalFailed(error: Error): void {
    if (!this.journaling) return;
    this.journaling = false;
    this.unjournaled.clear();
    this.metrics.journalFailures.inc();
    this.logger.error(
      `intake journal write failed (${error.message}); acknowledging only finished updates from now on`,
    );
  }

  /** Without a durable journal line, a webhook update is acknowledged once it is finished. */
  private async whenFinished(
    id: number,
    processing: Promise<void>,
    signal: AbortSignal,
  ): Promise<Acceptance> {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<false>((resolve) => {
      onAbort = () => resolve(false);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const finished = await Promise.race([processing.then(() => true), aborted]);
    signal.removeEventListener('abort', onAbort!);
    // It keeps running here; Telegram's next delivery of it is dropped as a duplicate.
    return finished ? this.answer(id) : this.refused(refuse(503, 'not durable in time', 5));
  }

  private refused(acceptance: Acceptance): Acceptance {
    if (!acceptance.accepted) this.metrics.webhookRefused.inc({ reason: acceptance.reason });
    return acceptance;
  }
}
