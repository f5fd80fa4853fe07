import type { MessageRow, UserWrite } from './batch.types';

/** A parameterised statement. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Column types of the rows a flush writes, in parameter order. Times go as epoch milliseconds
 * (bigint) and become timestamptz in SQL: pg formats a Date parameter as a local-time string,
 * which was the most expensive part of serialising a flush.
 */
const MESSAGE_COLUMNS = ['bigint', 'bigint', 'bigint', 'bigint', 'text', 'bigint'];
const USER_COLUMNS = ['bigint', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'int'];

/**
 * `rows` tuples of placeholders from `$first`; the first tuple carries the column types, which
 * VALUES then applies to every row (an untyped VALUES list would be text). With no rows, an empty
 * relation of the same shape (VALUES cannot be empty).
 */
function values(rows: number, types: string[], first: number): string {
  if (rows === 0) return `SELECT ${types.map((t) => `NULL::${t}`).join(', ')} WHERE false`;
  const tuples: string[] = [];
  for (let r = 0, n = first; r < rows; r++) {
    const cells: string[] = [];
    for (const type of types) cells.push(r === 0 ? `$${n++}::${type}` : `$${n++}`);
    tuples.push(`(${cells.join(', ')})`);
  }
  return `VALUES ${tuples.join(', ')}`;
}

/**
 * One flush as one statement, so it is one round trip and its own transaction (no BEGIN/COMMIT
 * trips): inserts messages, skipping update ids already stored (a replayed update), and upserts
 * users, each counted for its `extra` plus the messages this statement actually inserted for it.
 * A user with inserted messages but no activity here still gets a row, so its count commits with
 * its messages. Counts add up, seen times widen, a missing name never erases a stored one.
 * Returns one row: `messages` inserted and `users` upserted.
 */
export function writeBatchSql(messages: MessageRow[], users: UserWrite[]): Statement {
  const params: unknown[] = [];
  for (const m of messages) {
    params.push(m.updateId, m.chatId, m.userId, m.messageId, m.text, m.createdAt.getTime());
  }
  const userParamsFrom = params.length + 1;
  for (const u of users) {
    params.push(
      u.id,
      u.username,
      u.firstName,
      u.lastName,
      u.languageCode,
      u.firstSeenAt.getTime(),
      u.lastSeenAt.getTime(),
      u.extra,
    );
  }
  return {
    sql: `WITH new_messages (update_id, chat_id, user_id, message_id, text, created_ms) AS (
  ${values(messages.length, MESSAGE_COLUMNS, 1)}
), inserted AS (
  INSERT INTO messages (update_id, chat_id, user_id, message_id, text, created_at)
  SELECT update_id, chat_id, user_id, message_id, text, to_timestamp(created_ms / 1000.0)
  FROM new_messages
  ON CONFLICT (update_id) DO NOTHING
  RETURNING user_id, created_at
), counted AS (
  SELECT user_id AS id, count(*)::int AS n, min(created_at) AS first_at, max(created_at) AS last_at
  FROM inserted WHERE user_id IS NOT NULL GROUP BY user_id
), activity (id, username, first_name, last_name, language_code, first_seen_ms, last_seen_ms, extra) AS (
  ${values(users.length, USER_COLUMNS, userParamsFrom)}
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
SELECT (SELECT count(*) FROM inserted)::int AS messages, (SELECT count(*) FROM upserted)::int AS users`,
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
