import { cleanText } from '../batch/batch.sanitize';
import { type BatchTable, writtenRowsOf } from '../batch/batch.table';
import { messagesTable } from '../messages/messages.table';

/** Sightings of one user, merged while they wait: names as last seen, seen times widened. */
export interface UserRow {
  id: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** Longest stored name: Telegram caps names at 64 characters, so more is garbage or an attack. */
export const MAX_NAME_LENGTH = 256;
const MAX_LANGUAGE_LENGTH = 35;

type Fields = [number, number, number, string | null, string | null, string | null, string | null];

/**
 * The `users` table, written behind: one upsert per user per flush. Names: the latest sighting's,
 * and a missing name never erases a stored one. Seen times only widen.
 *
 * `message_count` counts the rows of `messages` this same flush inserted for the user (that
 * statement's RETURNING, read here): a message replayed from the journal or sent again by
 * Telegram inserts nothing, so it is counted zero times, with no bookkeeping in memory, and the
 * count commits with the messages. A user with inserted messages but no sighting in this chunk
 * still gets a row (names left alone), so a count is never lost to how rows were chunked.
 * The users table reads the messages' output rather than the messages statement updating users:
 * a column of `users` is written by the users module only, and one statement may not modify the
 * same row twice.
 */
export const usersTable: BatchTable<UserRow> = {
  name: 'users',
  reads: [messagesTable],
  merge: {
    key: (u) => u.id,
    rows: (earlier, later) => {
      const latest = later.lastSeenAt.getTime() >= earlier.lastSeenAt.getTime() ? later : earlier;
      const other = latest === later ? earlier : later;
      return {
        id: earlier.id,
        username: latest.username ?? other.username,
        firstName: latest.firstName ?? other.firstName,
        lastName: latest.lastName ?? other.lastName,
        languageCode: latest.languageCode ?? other.languageCode,
        firstSeenAt:
          earlier.firstSeenAt <= later.firstSeenAt ? earlier.firstSeenAt : later.firstSeenAt,
        lastSeenAt: latest.lastSeenAt,
      };
    },
  },
  sanitize: (u) => ({
    ...u,
    username: cleanText(u.username, MAX_NAME_LENGTH),
    firstName: cleanText(u.firstName, MAX_NAME_LENGTH),
    lastName: cleanText(u.lastName, MAX_NAME_LENGTH),
    languageCode: cleanText(u.languageCode, MAX_LANGUAGE_LENGTH),
  }),
  sql: (
    p,
  ) => `INSERT INTO users (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at, message_count)
  SELECT COALESCE(a.id, c.id), a.username, a.first_name, a.last_name, a.language_code,
    COALESCE(to_timestamp(a.first_seen_ms / 1000.0), c.first_at),
    COALESCE(to_timestamp(a.last_seen_ms / 1000.0), c.last_at),
    COALESCE(c.n, 0)
  FROM unnest(${p(1)}::bigint[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::bigint[], ${p(7)}::bigint[])
    AS a (id, username, first_name, last_name, language_code, first_seen_ms, last_seen_ms)
  FULL JOIN (
    SELECT user_id AS id, count(*)::int AS n, min(created_at) AS first_at, max(created_at) AS last_at
    FROM ${writtenRowsOf(messagesTable)} WHERE user_id IS NOT NULL GROUP BY user_id
  ) c ON c.id = a.id
  ON CONFLICT (id) DO UPDATE SET
    username = COALESCE(EXCLUDED.username, users.username),
    first_name = COALESCE(EXCLUDED.first_name, users.first_name),
    last_name = COALESCE(EXCLUDED.last_name, users.last_name),
    language_code = COALESCE(EXCLUDED.language_code, users.language_code),
    first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at),
    message_count = users.message_count + EXCLUDED.message_count
  RETURNING 1`,
  params: (rows) => [
    rows.map((u) => u.id),
    rows.map((u) => u.username),
    rows.map((u) => u.firstName),
    rows.map((u) => u.lastName),
    rows.map((u) => u.languageCode),
    rows.map((u) => u.firstSeenAt.getTime()),
    rows.map((u) => u.lastSeenAt.getTime()),
  ],
  encode: (u): Fields => [
    u.id,
    u.firstSeenAt.getTime(),
    u.lastSeenAt.getTime(),
    u.username,
    u.firstName,
    u.lastName,
    u.languageCode,
  ],
  decode: (fields) => {
    if (fields.length !== 7) throw new Error('not a user row');
    const [id, firstSeen, lastSeen, username, firstName, lastName, languageCode] = fields as Fields;
    return {
      id,
      username,
      firstName,
      lastName,
      languageCode,
      firstSeenAt: new Date(firstSeen),
      lastSeenAt: new Date(lastSeen),
    };
  },
  describe: (u) => `user ${u.id}`,
};
