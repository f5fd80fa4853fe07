import {
  AppendJournal,
  type AppendJournalOptions,
  type JournalFsync,
} from '../journal/append-journal';
import { decodeRecord, encodeRecord, type JournalRecord } from './batch.journal-codec';

export type { JournalRecord } from './batch.journal-codec';

/**
 * The write-ahead journal of buffered rows. A row is durable once it is here (see JournalFsync), so an
 * update's offset can be confirmed to Telegram without waiting for the next database flush, and
 * the bot keeps taking updates while PostgreSQL is down. Rows still unflushed when a process dies
 * are replayed into the buffers by the next start. Sequence numbers are the buffer's.
 */
export class BatchJournal extends AppendJournal<JournalRecord> {
  constructor(dir: string, fsync?: JournalFsync, options?: AppendJournalOptions) {
    super(dir, 'wal', { encode: encodeRecord, decode: decodeRecord }, fsync, options);
  }
}
