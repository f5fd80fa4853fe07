import type { MessageEntity } from 'telegraf/types';

export type CampaignState = 'running' | 'paused' | 'cancelled' | 'done';

/** Who receives a campaign: every user who has not blocked the bot, in user id order. */
export const AUDIENCE_REACHABLE_USERS = 'reachable-users';

/** Where a campaign's recipients stand; every recipient passed ends in exactly one count. */
export interface CampaignCounts {
  sent: number;
  failed: number;
  /** 403: blocked the bot (the user is marked blocked). */
  blocked: number;
  /** Sent to by a process that died before recording the outcome: never sent again. */
  inDoubt: number;
}

/** One broadcast campaign, as stored in `broadcast_campaigns`. */
export interface Campaign extends CampaignCounts {
  id: number;
  text: string;
  entities: MessageEntity[] | null;
  statusChatId: number;
  statusMessageId: number | null;
  language: string;
  /** Recipients counted at the start (the percentage's base). */
  total: number;
  /** Every reachable user with an id up to this one is settled, or in `batch`. */
  cursorUserId: number;
  /**
   * The batch being sent, recorded before its first send. Right after a claim: the recipients of
   * the previous holder's batch it had not sent to yet, which the new holder sends first.
   */
  batch: number[];
  state: CampaignState;
}

/** The percentage shown: 100 only once done (users who joined meanwhile can push it past). */
export function progressPercent(c: Pick<Campaign, 'total' | 'state'> & CampaignCounts): number {
  if (c.state === 'done') return 100;
  if (c.total === 0) return 0;
  const passed = c.sent + c.failed + c.blocked + c.inDoubt;
  return Math.min(99, Math.floor((passed * 100) / c.total));
}
