import { cleanText } from '../batch/batch.sanitize';
import type { BatchTable } from '../batch/batch.table';

/** One incoming message as it is stored. */
export interface MessageRow {
  updateId: number;
  chatId: number;
  userId: number | null;
  messageId: number;
  text: string | null;
  createdAt: Date;
}

/** Longest stored text: Telegram caps messages at 4096 characters; leave room, bound the row. */
export const MAX_TEXT_LENGTH = 16_384;

type Fields = [number, number, number | null, number, number, string | null];

/**
 * The `messages` table, written behind. A message already stored (a replayed update, or one
 * Telegram sent twice) is skipped by its (chat_id, message_id) key. Its statement returns one
 * row per message it inserted (`user_id`, `created_at`), so what reads it counts each message
 * once, and a replay zero times (see the users table).
 *
 * The rows go as one array per column, unnested: the text stays the same for every flush, and
 * times go as epoch milliseconds (bigint), which pg serialises faster than a Date.
 */
export const messagesTable: BatchTable<MessageRow> = {
  name: 'messages',
  sanitize: (row) => ({ ...row, text: cleanText(row.text, MAX_TEXT_LENGTH) }),
  sql: (p) => `INSERT INTO messages (update_id, chat_id, user_id, message_id, text, created_at)
  SELECT update_id, chat_id, user_id, message_id, text, to_timestamp(created_ms / 1000.0)
  FROM unnest(${p(1)}::bigint[], ${p(2)}::bigint[], ${p(3)}::bigint[], ${p(4)}::bigint[], ${p(5)}::text[], ${p(6)}::bigint[])
    AS m (update_id, chat_id, user_id, message_id, text, created_ms)
  ON CONFLICT (chat_id, message_id) DO NOTHING
  RETURNING user_id, created_at`,
  params: (rows) => [
    rows.map((m) => m.updateId),
    rows.map((m) => m.chatId),
    rows.map((m) => m.userId),
    rows.map((m) => m.messageId),
    rows.map((m) => m.text),
    rows.map((m) => m.createdAt.getTime()),
  ],
  encode: (m): Fields => [
    m.updateId,
    m.chatId,
    m.userId,
    m.messageId,
    m.createdAt.getTime(),
    m.text,
  ],
  decode: (fields) => {
    if (fields.length !== 6) throw new Error('not a message row');
    const [updateId, chatId, userId, messageId, createdAt, text] = fields as Fields;
    return { updateId, chatId, userId, messageId, text, createdAt: new Date(createdAt) };
  },
  describe: (m) => `update ${m.updateId}`,
};
