import { BroadcastsService } from '../src/broadcasts/broadcasts.service';
import type { CampaignStatus } from '../src/broadcasts/campaign-status';
import {
  CAMPAIGN_BATCH_SIZE,
  CAMPAIGN_LEASE_MS,
  CampaignRun,
} from '../src/broadcasts/campaign.run';
import { CampaignStore } from '../src/broadcasts/campaign.store';
import type { BroadcastHooks, BroadcastService } from '../src/outbound/broadcast.service';
import { BlockedUsersService } from '../src/users/blocked-users.service';
import { type BotTestContext, startBotApp } from './support/bot-app';

const USERS = Array.from({ length: 50 }, (_, i) => 1000 + i);

/** A sender that sends every recipient once its beforeSend resolved, and records whom. */
function sendingAll(sent: number[]): BroadcastService {
  const broadcast = async (_m: unknown, recipients: number[], hooks: BroadcastHooks) => {
    for (const id of recipients) {
      await hooks.beforeSend!(id);
      sent.push(id);
      hooks.onOutcome!(id, 'sent');
    }
  };
  return { broadcast } as unknown as BroadcastService;
}

/**
 * A holder that dies in its first batch: its sends pass flood control for `count` recipients,
 * the others of the batch wait in flood control for ever. `sendMore` tries one more afterwards.
 */
function dyingAfter(count: number, sent: number[]) {
  let hooks!: BroadcastHooks;
  let fail!: (error: Error) => void;
  let reached!: () => void;
  const reachedCount = new Promise<void>((resolve) => (reached = resolve));
  const broadcast = async (_m: unknown, recipients: number[], given: BroadcastHooks) => {
    hooks = given;
    for (const id of recipients.slice(0, count)) {
      await hooks.beforeSend!(id);
      sent.push(id);
    }
    reached();
    return new Promise((_resolve, reject) => (fail = reject));
  };
  return {
    sender: { broadcast } as unknown as BroadcastService,
    reachedCount,
    sendMore: async (id: number) => {
      await hooks.beforeSend!(id);
      sent.push(id);
    },
    /** Ends the stalled run (as the process's death would). */
    end: () => fail(new Error('process gone')),
  };
}

describe('a campaign taken over from a holder that died mid-batch', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    // Campaigns run only by hand here: the app's own runner stays out.
    t = await startBotApp({}, undefined, (builder) =>
      builder.overrideProvider(BroadcastsService).useValue({}),
    );
    await t.query(
      `INSERT INTO users (id, first_name, first_seen_at, last_seen_at)
       SELECT id, 'U', now(), now() FROM unnest($1::bigint[]) id`,
      [USERS],
    );
  });
  afterAll(() => t.close());

  it('sends the rest of the batch first, never again to whom the holder sent, and counts only those in doubt', async () => {
    const store = t.app.get(CampaignStore);
    const users = t.app.get(BlockedUsersService);
    const status = { show: async () => undefined } as unknown as CampaignStatus;
    const created = await store.create({
      text: 'news',
      entities: null,
      sourceChatId: 1,
      sourceMessageId: 1,
      statusChatId: 1,
      language: 'en',
      total: USERS.length,
    });
    const first = (await store.claim('first', CAMPAIGN_LEASE_MS))!;
    expect(first.id).toBe(created!.id);

    const sentByFirst: number[] = [];
    const dying = dyingAfter(5, sentByFirst);
    const firstRun = new CampaignRun(
      { store, users, sender: dying.sender, status },
      first,
      'first',
    );
    const firstEnd = firstRun.run().catch((error: Error) => error.message);
    await dying.reachedCount;

    // As once the first holder's lease lapsed.
    const second = (await store.claim('second', 0))!;
    expect(second.inDoubt).toBe(5);
    expect(second.batch).toEqual(USERS.slice(5, CAMPAIGN_BATCH_SIZE));
    // The stalled holder can send nobody any more.
    await expect(dying.sendMore(USERS[5])).rejects.toThrow('held by another process');

    const sentBySecond: number[] = [];
    const secondRun = new CampaignRun(
      { store, users, sender: sendingAll(sentBySecond), status },
      second,
      'second',
    );
    await expect(secondRun.run()).resolves.toBe('ended');
    dying.end();
    await expect(firstEnd).resolves.toBe('process gone');

    expect(sentByFirst).toEqual(USERS.slice(0, 5));
    expect(sentBySecond).toEqual(USERS.slice(5));
    const [row] = await t.query(
      'SELECT state, sent, in_doubt, in_flight, attempted FROM broadcast_campaigns WHERE id = $1',
      [first.id],
    );
    expect(row).toEqual({
      state: 'done',
      sent: USERS.length - 5,
      in_doubt: 5,
      in_flight: null,
      attempted: null,
    });
  });
});
