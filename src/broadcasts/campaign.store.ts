import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MessageEntity } from 'telegraf/types';
import { DataSource } from 'typeorm';
import { withDbRetry } from '../database/db-retry';
import {
  AUDIENCE_REACHABLE_USERS,
  type Campaign,
  type CampaignCounts,
  type CampaignState,
} from './campaign';

/** What `/broadcast` stores before the first send. */
export interface NewCampaign {
  text: string;
  entities: MessageEntity[] | null;
  /** The admin's command message: a campaign per command, also when its update runs again. */
  sourceChatId: number;
  sourceMessageId: number;
  statusChatId: number;
  language: string;
  total: number;
}

/**
 * The campaign after a sent batch: the last user id it covered and the counts so far (absolute,
 * so a statement retried after a lost answer writes the same values).
 */
export interface SettledBatch extends Omit<CampaignCounts, 'inDoubt'> {
  lastUserId: number;
}

interface Row {
  id: number;
  text: string;
  entities: MessageEntity[] | null;
  status_chat_id: string;
  status_message_id: string | null;
  language: string;
  total: number;
  cursor_user_id: string;
  in_flight: string[] | null;
  sent: number;
  failed: number;
  blocked: number;
  in_doubt: number;
  state: CampaignState;
}

const COLUMNS = `id, text, entities, status_chat_id, status_message_id, language, total,
  cursor_user_id, in_flight, sent, failed, blocked, in_doubt, state`;

const ACTIVE = `state IN ('running', 'paused')`;

/**
 * The `broadcast_campaigns` table. Exactly one process runs a running campaign: its `owner`,
 * refreshed by `heartbeat_at`; every write of a runner is fenced by `owner`, so a runner that lost
 * its lease (taken over after it stalled) can no longer move the cursor.
 */
@Injectable()
export class CampaignStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Stores a running campaign, or finds the one this command already created. Null when another
   * campaign is active (running or paused).
   */
  async create(c: NewCampaign): Promise<Campaign | null> {
    const existing = await this.bySource(c.sourceChatId, c.sourceMessageId);
    if (existing) return existing;
    const rows = await this.query<Row>(
      `INSERT INTO broadcast_campaigns (text, entities, audience, source_chat_id, source_message_id,
         status_chat_id, language, total, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running')
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [
        c.text,
        c.entities ? JSON.stringify(c.entities) : null,
        AUDIENCE_REACHABLE_USERS,
        c.sourceChatId,
        c.sourceMessageId,
        c.statusChatId,
        c.language,
        c.total,
      ],
      'create campaign',
    );
    if (rows[0]) return toCampaign(rows[0]);
    return this.bySource(c.sourceChatId, c.sourceMessageId);
  }

  /** The status message the runner edits (sent after the row was stored). */
  async attachStatusMessage(id: number, messageId: number): Promise<void> {
    await this.query(
      'UPDATE broadcast_campaigns SET status_message_id = $2 WHERE id = $1',
      [id, messageId],
      'attach status message',
    );
  }

  /**
   * Changes the active campaign's state (`from` → `to`); null when none was in a `from` state.
   * `unowned`: no live runner holds it, so nobody else will show the change on its status message.
   */
  async transition(
    from: CampaignState[],
    to: CampaignState,
    leaseMs: number,
  ): Promise<{ campaign: Campaign; unowned: boolean } | null> {
    const rows = await this.updated<Row & { unowned: boolean }>(
      `UPDATE broadcast_campaigns SET state = $2, updated_at = now()
       WHERE ${ACTIVE} AND state = ANY($1::text[])
       RETURNING ${COLUMNS},
         (owner IS NULL OR heartbeat_at < now() - $3 * interval '1 millisecond') AS unowned`,
      [from, to, leaseMs],
      `campaign ${to}`,
    );
    return rows[0] ? { campaign: toCampaign(rows[0]), unowned: rows[0].unowned } : null;
  }

  /**
   * Takes a running campaign nobody holds (or whose holder stopped refreshing its lease for
   * `leaseMs`). Of the previous holder's batch, the recipients it sent to without recording the
   * outcome count as in doubt and are passed (they may have received the message); the others
   * stay in `batch`, for the new holder to send first.
   */
  async claim(owner: string, leaseMs: number): Promise<Campaign | null> {
    const rows = await this.updated<Row>(
      `UPDATE broadcast_campaigns SET owner = $1, heartbeat_at = now(), updated_at = now(),
         cursor_user_id = GREATEST(cursor_user_id, COALESCE((SELECT max(u) FROM unnest(in_flight) u), 0)),
         in_doubt = in_doubt + COALESCE(cardinality(attempted), 0),
         in_flight = NULLIF(ARRAY(
           SELECT u FROM unnest(in_flight) u WHERE u <> ALL(COALESCE(attempted, '{}')) ORDER BY u
         ), '{}'),
         attempted = NULL
       WHERE id = (
         SELECT id FROM broadcast_campaigns
         WHERE state = 'running'
           AND (owner IS NULL OR heartbeat_at < now() - $2 * interval '1 millisecond')
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [owner, leaseMs],
      'claim campaign',
    );
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  /** Whether a campaign is running (held by another process, perhaps one that died). */
  async anyRunning(): Promise<boolean> {
    const rows = await this.query(
      `SELECT 1 FROM broadcast_campaigns WHERE state = 'running' LIMIT 1`,
      [],
      'look for running campaigns',
    );
    return rows.length > 0;
  }

  /**
   * One statement per batch: records the outcome of the batch just sent (`settled`) and, while
   * the campaign is still running, the recipients of the next batch (`next`), before any of them
   * is sent. An empty `next` after the last user finishes the campaign; the campaign
   * paused or cancelled meanwhile records no attempt and lets go of the lease.
   * Null: this process no longer holds the campaign.
   */
  async advance(
    id: number,
    owner: string,
    settled: SettledBatch | null,
    next: number[],
    finished: boolean,
  ): Promise<Campaign | null> {
    const rows = await this.updated<Row>(
      `UPDATE broadcast_campaigns SET
         cursor_user_id = GREATEST(cursor_user_id, COALESCE($3::bigint, 0)),
         sent = COALESCE($4::int, sent), failed = COALESCE($5::int, failed),
         blocked = COALESCE($6::int, blocked),
         in_flight = CASE WHEN state = 'running' AND cardinality($7::bigint[]) > 0 THEN $7::bigint[] END,
         attempted = NULL,
         state = CASE WHEN state = 'running' AND $8::boolean THEN 'done' ELSE state END,
         owner = CASE WHEN state = 'running' AND NOT $8::boolean THEN owner END,
         heartbeat_at = now(), updated_at = now()
       WHERE id = $1 AND owner = $2
       RETURNING ${COLUMNS}`,
      [
        id,
        owner,
        settled?.lastUserId ?? null,
        settled?.sent ?? null,
        settled?.failed ?? null,
        settled?.blocked ?? null,
        next,
        finished,
      ],
      'advance campaign',
    );
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  /**
   * Records recipients of the batch in progress as sent to, before their messages go out.
   * False when this process no longer holds the campaign: they must not be sent then.
   */
  async attempting(id: number, owner: string, userIds: readonly number[]): Promise<boolean> {
    const rows = await this.updated(
      `UPDATE broadcast_campaigns SET attempted = COALESCE(attempted, '{}') || $3::bigint[]
       WHERE id = $1 AND owner = $2 RETURNING 1`,
      [id, owner, userIds],
      'record campaign sends',
    );
    return rows.length > 0;
  }

  /** Refreshes the lease; false when this process no longer holds the campaign. */
  async heartbeat(id: number, owner: string): Promise<boolean> {
    const rows = await this.updated(
      `UPDATE broadcast_campaigns SET heartbeat_at = now() WHERE id = $1 AND owner = $2 RETURNING 1`,
      [id, owner],
      'campaign heartbeat',
    );
    return rows.length > 0;
  }

  /** Lets another process (or this one, later) take the campaign at once. */
  async release(id: number, owner: string): Promise<void> {
    await this.query(
      'UPDATE broadcast_campaigns SET owner = NULL WHERE id = $1 AND owner = $2',
      [id, owner],
      'release campaign',
    );
  }

  private async bySource(chatId: number, messageId: number): Promise<Campaign | null> {
    const rows = await this.query<Row>(
      `SELECT ${COLUMNS} FROM broadcast_campaigns WHERE source_chat_id = $1 AND source_message_id = $2`,
      [chatId, messageId],
      'find campaign',
    );
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  private query<T = unknown>(sql: string, params: unknown[], label: string): Promise<T[]> {
    return withDbRetry(() => this.db.query(sql, params), { label });
  }

  /** An UPDATE's RETURNING rows: TypeORM answers `[rows, count]` for an UPDATE, rows for a SELECT. */
  private updated<T>(sql: string, params: unknown[], label: string): Promise<T[]> {
    return this.query<T>(`WITH updated AS (${sql}) SELECT * FROM updated`, params, label);
  }
}

function toCampaign(row: Row): Campaign {
  return {
    id: row.id,
    text: row.text,
    entities: row.entities,
    statusChatId: Number(row.status_chat_id),
    statusMessageId: row.status_message_id === null ? null : Number(row.status_message_id),
    language: row.language,
    total: row.total,
    cursorUserId: Number(row.cursor_user_id),
    batch: (row.in_flight ?? []).map(Number),
    sent: row.sent,
    failed: row.failed,
    blocked: row.blocked,
    inDoubt: row.in_doubt,
    state: row.state,
  };
}
