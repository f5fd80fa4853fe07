import { Logger } from '@nestjs/common';
import DataLoader from 'dataloader';
import { errorMessage } from '../common/error-message';
import type { BroadcastService } from '../outbound/broadcast.service';
import type { BlockedUsersService } from '../users/blocked-users.service';
import { progressPercent, type Campaign } from './campaign';
import type { CampaignStatus } from './campaign-status';
import type { CampaignStore, SettledBatch } from './campaign.store';

/**
 * Recipients per recorded batch: two statements per batch record the batch and settle its
 * outcomes, and a crash leaves at most a batch in doubt (those already sent to, never sent again).
 */
export const CAMPAIGN_BATCH_SIZE = 20;
/** A holder that has not refreshed its lease for this long is taken for dead. */
export const CAMPAIGN_LEASE_MS = 10_000;
const HEARTBEAT_MS = 3_000;
/** The status message is edited each time progress passes a multiple of this percentage. */
export const PROGRESS_STEP_PERCENT = 10;

export interface CampaignRunDeps {
  store: CampaignStore;
  users: BlockedUsersService;
  sender: BroadcastService;
  status: CampaignStatus;
}

/** How a run ended: the campaign left `running`, shutdown stopped it, or another process took it. */
export type RunEnd = 'ended' | 'stopped' | 'lost';

/**
 * One process's run of one campaign, under the lease `owner` it claimed. Each batch of recipients
 * is recorded before its first send, each recipient again just before its message goes out
 * (sends released together share one statement), and the batch is settled (cursor and counts) in
 * the same statement that records the next one. A crash at any point re-sends to nobody and
 * skips nobody not yet sent to: on resume, the recipients sent to without an outcome count as in
 * doubt, and the rest of the batch is sent first (see CampaignStore.claim).
 */
export class CampaignRun {
  private readonly logger = new Logger(CampaignRun.name);
  private stopping = false;
  /** When the lease was last refreshed: every advance refreshes it too. */
  private refreshedAt = Date.now();
  private shows: Promise<void> = Promise.resolve();
  /** Records recipients as sent to, several per statement when their sends are released together. */
  private readonly attempts = new DataLoader<number, void>(
    async (userIds) => {
      if (!(await this.deps.store.attempting(this.campaign.id, this.owner, userIds))) {
        this.stopping = true;
        throw new Error('campaign is held by another process now');
      }
      return userIds.map(() => undefined);
    },
    { cache: false },
  );

  constructor(
    private readonly deps: CampaignRunDeps,
    private campaign: Campaign,
    private readonly owner: string,
  ) {}

  /** Ends the run after the batch being sent (its outcome is still recorded). */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<RunEnd> {
    const { store, users } = this.deps;
    const heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS).unref();
    let step = Math.floor(progressPercent(this.campaign) / PROGRESS_STEP_PERCENT);
    let settled: SettledBatch | null = null;
    try {
      // What the previous holder's batch had left (see CampaignStore.claim) goes first.
      let resumed = this.campaign.batch;
      for (;;) {
        // The batch just sent is settled in the same statement as the next one is recorded.
        const cursor = Math.max(settled?.lastUserId ?? 0, this.campaign.cursorUserId);
        const next = this.stopping
          ? []
          : resumed.length
            ? resumed
            : await users.reachableAfter(cursor, CAMPAIGN_BATCH_SIZE);
        resumed = [];
        const finished = !this.stopping && next.length === 0;
        const after = await store.advance(this.campaign.id, this.owner, settled, next, finished);
        if (!after) return 'lost';
        this.refreshedAt = Date.now();
        this.campaign = after;
        if (after.state !== 'running') {
          this.showStatus(after);
          return 'ended';
        }
        if (this.stopping) {
          await store.release(after.id, this.owner);
          return 'stopped';
        }
        const reached = Math.floor(progressPercent(after) / PROGRESS_STEP_PERCENT);
        if (reached > step) {
          step = reached;
          this.showStatus(after);
        }
        settled = await this.send(after, next);
      }
    } finally {
      clearInterval(heartbeat);
      await this.shows;
    }
  }

  private async send(c: Campaign, recipients: number[]): Promise<SettledBatch> {
    const counts = { sent: c.sent, failed: c.failed, blocked: c.blocked };
    const blocked: number[] = [];
    await this.deps.sender.broadcast(
      { text: c.text, entities: c.entities ?? undefined },
      recipients,
      {
        beforeSend: (chatId) => this.attempts.load(chatId),
        onOutcome: (chatId, outcome) => {
          counts[outcome]++;
          if (outcome === 'blocked') blocked.push(chatId);
        },
      },
    );
    await this.deps.users.markBlocked(blocked);
    return { lastUserId: recipients[recipients.length - 1], ...counts };
  }

  /** Edits run one after another, so an older count never overwrites a newer one. */
  private showStatus(c: Campaign): void {
    this.shows = this.shows.then(() => this.deps.status.show(c));
  }

  /** Refreshes the lease when no batch did lately (a batch held up by a long 429 pause). */
  private async beat(): Promise<void> {
    if (Date.now() - this.refreshedAt < HEARTBEAT_MS / 2) return;
    try {
      if (await this.deps.store.heartbeat(this.campaign.id, this.owner))
        this.refreshedAt = Date.now();
      else this.stopping = true;
    } catch (error) {
      this.logger.warn(`campaign ${this.campaign.id}: lease not refreshed: ${errorMessage(error)}`);
    }
  }
}
