import type { MessageRow } from './batch.types';

/** A parameterised statement. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A user row with its final increment, as the upsert writes it. */
export interface UserUpsertRow {
  id: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  increment: number;
}

function placeholders(rows: number, columns: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 1; c <= columns; c++) cells.push(`$${r * columns + c}`);
    tuples.push(`(${cells.join(', ')})`);
  }
  return tuples.join(', ');
}

/**
 * Inserts messages, skipping update ids already stored (a replayed update), and returns the
 * `user_id` of every row actually inserted so the same transaction can count them for users.
 * Wrapped in a CTE so both pg and PGlite hand back plain rows.
 */
export function insertMessagesSql(rows: MessageRow[]): Statement {
  const params: unknown[] = [];
  for (const r of rows) {
    params.push(r.updateId, r.chatId, r.userId, r.messageId, r.text, r.createdAt);
  }
  return {
    sql: `WITH ins AS (
  INSERT INTO messages (update_id, chat_id, user_id, message_id, text, created_at)
  VALUES ${placeholders(rows.length, 6)}
  ON CONFLICT (update_id) DO NOTHING
  RETURNING user_id
) SELECT user_id FROM ins`,
    params,
  };
}

/** Upserts users: counts add up, seen times widen, a missing name never erases a stored one. */
export function upsertUsersSql(rows: UserUpsertRow[]): Statement {
  const params: unknown[] = [];
  for (const u of rows) {
    params.push(
      u.id,
      u.username,
      u.firstName,
      u.lastName,
      u.languageCode,
      u.firstSeenAt,
      u.lastSeenAt,
      u.increment,
    );
  }
  return {
    sql: `INSERT INTO users (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at, message_count)
VALUES ${placeholders(rows.length, 8)}
ON CONFLICT (id) DO UPDATE SET
  username = COALESCE(EXCLUDED.username, users.username),
  first_name = COALESCE(EXCLUDED.first_name, users.first_name),
  last_name = COALESCE(EXCLUDED.last_name, users.last_name),
  language_code = COALESCE(EXCLUDED.language_code, users.language_code),
  first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at),
  last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at),
  message_count = users.message_count + EXCLUDED.message_count`,
    params,
  };
}

/** Stores a row the database refused for its content, with the reason. */
export function insertDeadLetterSql(kind: string, payloadJson: string, reason: string): Statement {
  return {
    sql: `INSERT INTO dead_letters (kind, payload, reason) VALUES ($1, $2::jsonb, $3)`,
    params: [kind, payloadJson, reason],
  };
}
