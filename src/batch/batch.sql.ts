import type { MessageRow, UserWrite } from './batch.types';

/** A parameterised statement. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * One flush as one statement, so it is one round trip and its own transaction (no BEGIN/COMMIT
 * trips): inserts messages, skipping messages already stored (a replayed update), and upserts
 * users, each counted for its `extra` plus the messages this statement actually inserted for it.
 * A user with inserted messages but no activity here still gets a row, so its count commits with
 * its messages. Counts add up, seen times widen, a missing name never erases a stored one.
 * Returns one row: `messages` inserted and `users` upserted.
 *
 * The rows come as one array per column, unnested: the text is the same for every flush, so it can
 * be a prepared statement, and PostgreSQL parses and plans it once per connection. A VALUES list
 * with a placeholder per cell (700 for a 50-row flush) was parsed and planned at every flush: about
 * twice the server's CPU per flush, and a string of placeholders to build each time. Times go as
 * epoch milliseconds (bigint) and become timestamptz in SQL: pg formats a Date as a local-time
 * string, which was the most expensive part of serialising a flush.
 */
export const WRITE_BATCH_SQL = `WITH new_messages AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[])
    AS m (update_id, chat_id, user_id, message_id, text, created_ms)
), inserted AS (
  INSERT INTO messages (update_id, chat_id, user_id, message_id, text, created_at)
  SELECT update_id, chat_id, user_id, message_id, text, to_timestamp(created_ms / 1000.0)
  FROM new_messages
  ON CONFLICT (chat_id, message_id) DO NOTHING
  RETURNING user_id, created_at
), counted AS (
  SELECT user_id AS id, count(*)::int AS n, min(created_at) AS first_at, max(created_at) AS last_at
  FROM inserted WHERE user_id IS NOT NULL GROUP BY user_id
), activity AS (
  SELECT * FROM unnest($7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::int[])
    AS a (id, username, first_name, last_name, language_code, first_seen_ms, last_seen_ms, extra)
), upserted AS (
  INSERT INTO users (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at, message_count)
  SELECT COALESCE(a.id, c.id), a.username, a.first_name, a.last_name, a.language_code,
    COALESCE(to_timestamp(a.first_seen_ms / 1000.0), c.first_at),
    COALESCE(to_timestamp(a.last_seen_ms / 1000.0), c.last_at),
    COALESCE(a.extra, 0) + COALESCE(c.n, 0)
  FROM activity a FULL JOIN counted c ON c.id = a.id
  ON CONFLICT (id) DO UPDATE SET
    username = COALESCE(EXCLUDED.username, users.username),
    first_name = COALESCE(EXCLUDED.first_name, users.first_name),
    last_name = COALESCE(EXCLUDED.last_name, users.last_name),
    language_code = COALESCE(EXCLUDED.language_code, users.language_code),
    first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at),
    message_count = users.message_count + EXCLUDED.message_count
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS messages, (SELECT count(*) FROM upserted)::int AS users`;

/** The parameters of WRITE_BATCH_SQL: one array per column, messages' then users'. */
export function writeBatchParams(messages: MessageRow[], users: UserWrite[]): unknown[][] {
  return [
    messages.map((m) => m.updateId),
    messages.map((m) => m.chatId),
    messages.map((m) => m.userId),
    messages.map((m) => m.messageId),
    messages.map((m) => m.text),
    messages.map((m) => m.createdAt.getTime()),
    users.map((u) => u.id),
    users.map((u) => u.username),
    users.map((u) => u.firstName),
    users.map((u) => u.lastName),
    users.map((u) => u.languageCode),
    users.map((u) => u.firstSeenAt.getTime()),
    users.map((u) => u.lastSeenAt.getTime()),
    users.map((u) => u.extra),
  ];
}

/** Stores a row the database refused for its content, with the reason. */
export function insertDeadLetterSql(kind: string, payloadJson: string, reason: string): Statement {
  return {
    sql: `INSERT INTO dead_letters (kind, payload, reason) VALUES ($1, $2::jsonb, $3)`,
    params: [kind, payloadJson, reason],
  };
}
