import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { BroadcastService } from '../outbound/broadcast.service';
import { BlockedUsersService } from '../users/blocked-users.service';
import type { Campaign } from './campaign';
import { CampaignStatus } from './campaign-status';
import { CampaignWatchTask } from './campaign-watch.task';
import { CAMPAIGN_LEASE_MS, CampaignRun, type RunEnd } from './campaign.run';
import { CampaignStore, type NewCampaign } from './campaign.store';

/** How long shutdown waits for the batch being sent (the rest resumes at the next start). */
const STOP_WAIT_MS = 10_000;

/**
 * Broadcast campaigns: started, paused, resumed and cancelled by admins, run in the background by
 * exactly one process at a time (a lease in the campaign's row), and taken over after a crash or
 * by another replica once the lease lapses: at boot, every CAMPAIGN_WATCH_MS, and every half
 * lease while a campaign is known to be held elsewhere.
 */
@Injectable()
export class BroadcastsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BroadcastsService.name);
  private current: { run: CampaignRun; done: Promise<void> } | null = null;
  private scanning: Promise<void> | null = null;
  private scanAgain = false;
  private watchTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly store: CampaignStore,
    private readonly users: BlockedUsersService,
    private readonly sender: BroadcastService,
    private readonly status: CampaignStatus,
    private readonly watchTask: CampaignWatchTask,
  ) {}

  onApplicationBootstrap(): void {
    this.kick();
    this.watchTask.start(() => this.kick());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.watchTask.stop();
    clearTimeout(this.watchTimer);
    const current = this.current;
    if (current) {
      current.run.stop();
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
      await Promise.race([current.done, waited]);
      clearTimeout(timer);
    }
    await this.scanning;
  }

  /**
   * Stores a running campaign to every reachable user (the recipients counted now), or returns
   * the one this command already started. Null when another campaign is running or paused.
   */
  async start(campaign: Omit<NewCampaign, 'total'>): Promise<Campaign | null> {
    const total = await this.users.reachableCount();
    return this.store.create({ ...campaign, total });
  }

  /** The text of the campaign's status message as it stands. */
  statusText(campaign: Campaign): string {
    return this.status.text(campaign);
  }

  /** Records the status message the campaign edits, and lets a runner take the campaign. */
  async statusMessageSent(campaignId: number, messageId: number): Promise<void> {
    await this.store.attachStatusMessage(campaignId, messageId);
    this.kick();
  }

  /** The running campaign, paused; null when none runs. Its runner stops after its batch. */
  async pause(): Promise<Campaign | null> {
    return this.change(['running'], 'paused');
  }

  async resume(): Promise<Campaign | null> {
    const resumed = await this.store.transition(['paused'], 'running', CAMPAIGN_LEASE_MS);
    if (!resumed) return null;
    await this.status.show(resumed.campaign);
    this.kick();
    return resumed.campaign;
  }

  async cancel(): Promise<Campaign | null> {
    return this.change(['running', 'paused'], 'cancelled');
  }

  private async change(from: Campaign['state'][], to: Campaign['state']): Promise<Campaign | null> {
    const changed = await this.store.transition(from, to, CAMPAIGN_LEASE_MS);
    if (!changed) return null;
    // A live runner shows the change when it sees it; otherwise nobody would.
    if (changed.unowned) await this.status.show(changed.campaign);
    return changed.campaign;
  }

  /** Looks for a campaign to run, in the background. */
  private kick(): void {
    if (this.stopping || this.current) return;
    if (this.scanning) {
      this.scanAgain = true;
      return;
    }
    this.scanning = this.scan()
      .catch((error: unknown) => {
        this.logger.warn(`campaigns not checked: ${errorMessage(error)}`);
        this.watch();
      })
      .finally(() => {
        this.scanning = null;
        if (this.scanAgain) {
          this.scanAgain = false;
          this.kick();
        }
      });
  }

  private async scan(): Promise<void> {
    clearTimeout(this.watchTimer);
    // A token per claim: every write of a run is fenced by it, even against a run of this process.
    const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
    const campaign = await this.store.claim(owner, CAMPAIGN_LEASE_MS);
    if (campaign) return this.runCampaign(campaign, owner);
    // Held by a live process, or by a dead one whose lease has not lapsed yet: look again.
    if (await this.store.anyRunning()) this.watch();
  }

  private watch(): void {
    if (this.stopping) return;
    clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => this.kick(), CAMPAIGN_LEASE_MS / 2).unref();
  }

  private runCampaign(campaign: Campaign, owner: string): void {
    const deps = { store: this.store, users: this.users, sender: this.sender, status: this.status };
    const run = new CampaignRun(deps, campaign, owner);
    this.logger.log(
      `campaign ${campaign.id}: running from ${campaign.sent + campaign.failed + campaign.blocked + campaign.inDoubt} of ${campaign.total} recipients`,
    );
    const done = run
      .run()
      .then((end: RunEnd) => {
        this.logger.log(`campaign ${campaign.id}: run ${end}`);
        return end;
      })
      .catch((error: unknown) => {
        this.logger.error(`campaign ${campaign.id}: run failed: ${errorMessage(error)}`);
        return 'failed' as const;
      })
      .then((end) => {
        this.current = null;
        // Ended: another campaign may be waiting. Lost or failed: look again once a lease lapses.
        if (end === 'ended') this.kick();
        else if (end !== 'stopped') this.watch();
      });
    this.current = { run, done };
  }
}
