import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { atMostEvery } from '../common/at-most-every';
import { frameRecord, scanRecords } from './journal-frame';

/**
 * How one record becomes one line of the journal and back (`decode` throws on a line it cannot
 * read). `encode` returns no newline and no control character (JSON never does).
 */
export interface JournalCodec<T> {
  encode(record: T): string;
  decode(line: string): T;
}

/** What the journal needs of an open file: a FileHandle (specs pass doubles). */
export interface JournalFile {
  write(data: Buffer): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface AppendJournalOptions {
  /**
   * Throws once this process may no longer write to the directory (the DATA_DIR lock was lost):
   * a write then fails, so nothing more is acknowledged on the journal's strength.
   */
  lock?: { assertHeld(): void } | null;
  /** Opens a segment; fs/promises' open unless a spec needs a double. */
  openFile?: (path: string, flags: number, mode: number) => Promise<JournalFile>;
}

interface Segment {
  path: string;
  handle: JournalFile;
  bytes: number;
  /** Highest buffer sequence number written to this segment. */
  maxSeq: number;
  /** Written since its last fdatasync (`everysec` only). */
  dirty: boolean;
  /** A write failed or fell short, so the file may end in a torn record: the next write starts a new line. */
  torn: boolean;
}

/**
 * When a journal write counts as done. `always`: once it is on disk, so nothing acknowledged is
 * lost even by a crash of the machine. `everysec`: once the OS has it, so a crash or kill of the
 * process loses nothing, and what was written is fdatasync'd each second, so a crash of the
 * machine may lose the last second (Redis' `appendfsync everysec`). On a volume that does not
 * outlive the machine, `always` buys nothing.
 */
export type JournalFsync = 'always' | 'everysec';

const FSYNC_EVERY_MS = 1000;
/** A failing disk fails every second's fdatasync: one log line per this interval is enough. */
const FSYNC_ERROR_LOG_EVERY_MS = 30_000;

/** A segment grows to this size before a new one is started (old ones go once their rows are flushed). */
const SEGMENT_BYTES = 8 * 1024 * 1024;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
/**
 * `always` appends with O_DSYNC: a write returns once its data is on disk, so a group commit is
 * one syscall (and one trip to the thread pool) instead of write + fdatasync. Where the platform
 * has no O_DSYNC (Windows), each write is followed by datasync().
 */
const DSYNC_APPEND_FLAGS = APPEND_FLAGS | (constants.O_DSYNC ?? 0);
/** Records hold users' messages: only this service's user may read them. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * A local append-only journal of records that must survive a crash until their owner is done with
 * them (see BatchJournal and IntakeJournal). A record is durable once sync() resolves (on disk, or
 * with `everysec` written to the OS: see JournalFsync); the records of a process that died are
 * handed to the next start. Writes are group-committed: one write covers every record appended
 * since the previous one. Each record carries a sequence number (non-decreasing) by which the
 * owner says what it no longer needs (release). Each record is framed (see frameRecord), so the
 * next start keeps every intact record and counts the damaged ones.
 *
 * One process owns the directory (DataDirLock), so every journal file found at open() that is not
 * this journal's own belongs to a predecessor that is gone.
 *
 * Hand-written: no maintained Node library does a small fsync'd append-only log with this
 * lifecycle (group commit, release by sequence number, hand-over of a predecessor's records).
 */
export class AppendJournal<T> {
  private readonly logger = new Logger(AppendJournal.name);
  private readonly fsyncErrorGate = atMostEvery(FSYNC_ERROR_LOG_EVERY_MS);
  /** Unique per journal instance, oldest first when sorted: the start time, then a random tag. */
  private readonly id = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  private readonly filePattern: RegExp;
  private readonly openFile: NonNullable<AppendJournalOptions['openFile']>;
  private segments: Segment[] = [];
  private segmentNo = 0;
  private unsynced = '';
  private unsyncedMaxSeq = 0;
  /** Highest sequence number written. */
  private syncedSeq = 0;
  private fsyncTimer: NodeJS.Timeout | undefined;
  /** A write loop or a release holds the files; the other waits (see release). */
  private busy = false;
  private releasing: Promise<void> | null = null;
  /** Callers of sync(), in order of the sequence number each waits for. */
  private waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  /**
   * Records lost in a failed write, up to this sequence number: until the owner releases them,
   * no sync() can vouch for everything appended before it, so each rejects.
   */
  private lost: { seq: number; error: Error } | null = null;
  private orphans: string[] = [];
  private damaged = 0;
  private torn = 0;

  /** `prefix` names this journal's files, so several journals can share one directory. */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly codec: JournalCodec<T>,
    private readonly fsync: JournalFsync = 'always',
    private readonly options: AppendJournalOptions = {},
  ) {
    // Any file of this journal, whichever process wrote it.
    this.filePattern = new RegExp(`^${prefix}-[0-9a-z-]+\\.ndjson$`);
    this.openFile = options.openFile ?? open;
  }

  /** Creates this process's segment and returns the records of crashed predecessors, in order. */
  async open(): Promise<T[]> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    this.orphans = (await readdir(this.dir)).filter((name) => this.filePattern.test(name)).sort();
    const records = await this.readOrphans();
    await this.startSegment();
    if (this.fsync === 'everysec') {
      this.fsyncTimer = setInterval(() => void this.fsyncDirty(), FSYNC_EVERY_MS);
      this.fsyncTimer.unref();
    }
    return records;
  }

  /** Records found unreadable at open(), torn last ones included (for the owner's metrics). */
  get damagedRecords(): number {
    return this.damaged;
  }

  /** Of damagedRecords, those cut short by a crash mid-write (expected after a kill). */
  get tornRecords(): number {
    return this.torn;
  }

  /** Deletes the predecessors' files, once their records are journaled again by this process. */
  async removeOrphans(): Promise<void> {
    for (const name of this.orphans.splice(0)) await rm(join(this.dir, name), { force: true });
  }

  append(record: T, seq: number): void {
    this.unsynced += frameRecord(this.codec.encode(record));
    this.unsyncedMaxSeq = seq;
  }

  /**
   * Resolves once everything appended before the call is on disk. Each caller waits for the one
   * write that covers its records, so a write wakes only the callers it made durable (under load
   * dozens of updates wait on the journal at once).
   */
  sync(): Promise<void> {
    const seq = this.unsyncedMaxSeq;
    if ((this.unsynced.length === 0 && !this.busy) || seq <= this.syncedSeq)
      return this.lost ? Promise.reject(this.lost.error) : Promise.resolve();
    const wait = new Promise<void>((resolve, reject) =>
      this.waiters.push({ seq, resolve, reject }),
    );
    if (!this.busy) void this.writeLoop();
    return wait;
  }

  /**
   * Drops what the owner no longer needs: closed segments whose records all have sequence numbers
   * below `minPendingSeq`, and the current segment's content when nothing is pending at all. Both
   * hold at the call; writes wait until the release is done, so a record written meanwhile can
   * never be acknowledged and then erased.
   */
  release(minPendingSeq: number, nothingPending: boolean): Promise<void> {
    if (this.lost && (nothingPending || this.lost.seq < minPendingSeq)) this.lost = null;
    if (this.busy || this.unsynced) return Promise.resolve();
    this.busy = true;
    this.releasing = this.drop(minPendingSeq, nothingPending).finally(() => {
      this.busy = false;
      this.releasing = null;
      if (this.waiters.length > 0) void this.writeLoop();
    });
    return this.releasing;
  }

  /** Bytes in the current segment (what a crash now would leave to replay, at most). */
  get currentBytes(): number {
    return this.current?.bytes ?? 0;
  }

  /** Closes the journal; its files are deleted only when nothing in them is pending. */
  async close(nothingPending: boolean): Promise<void> {
    clearInterval(this.fsyncTimer);
    await this.releasing?.catch(() => undefined);
    // Best effort: what a failed write lost is still pending, and the files stay for it.
    await this.sync().catch(() => undefined);
    if (!nothingPending) await this.fsyncDirty();
    for (const segment of this.segments.splice(0)) {
      await segment.handle.close();
      if (nothingPending) await rm(segment.path, { force: true });
    }
    if (!nothingPending)
      this.logger.warn(
        `Pending ${this.prefix} records stay in ${this.dir} and are replayed at the next start`,
      );
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** Reads every predecessor's file; reports damage once (file names and counts, never content). */
  private async readOrphans(): Promise<T[]> {
    const records: T[] = [];
    const tornIn: string[] = [];
    const damagedIn: string[] = [];
    for (const name of this.orphans) {
      const scan = scanRecords(await readFile(join(this.dir, name), 'utf8'), (line) =>
        this.codec.decode(line),
      );
      records.push(...scan.records);
      this.damaged += scan.damaged;
      if (scan.tornTail) {
        this.torn++;
        tornIn.push(name);
      }
      if (scan.damaged > (scan.tornTail ? 1 : 0)) damagedIn.push(name);
    }
    if (damagedIn.length > 0)
      this.logger.error(
        `${this.prefix} journal: skipped ${counted(this.damaged - this.torn, 'damaged record')} in ${this.dir} (${damagedIn.join(', ')}); ${counted(records.length, 'intact record')} replayed`,
      );
    if (tornIn.length > 0)
      this.logger.warn(
        `${this.prefix} journal: skipped ${counted(this.torn, 'record')} cut short by a crash mid-write in ${this.dir} (${tornIn.join(', ')}); a write that never completed acknowledged nothing`,
      );
    return records;
  }

  private async startSegment(): Promise<void> {
    const no = String(this.segmentNo++).padStart(6, '0');
    const path = join(this.dir, `${this.prefix}-${this.id}-${no}.ndjson`);
    const flags = this.fsync === 'always' ? DSYNC_APPEND_FLAGS : APPEND_FLAGS;
    this.segments.push({
      path,
      handle: await this.openFile(path, flags, FILE_MODE),
      bytes: 0,
      maxSeq: 0,
      dirty: false,
      torn: false,
    });
  }

  private async drop(minPendingSeq: number, nothingPending: boolean): Promise<void> {
    while (this.segments.length > 1 && this.segments[0].maxSeq < minPendingSeq) {
      const done = this.segments.shift()!;
      done.dirty = false; // deleted: nothing in it needs to reach the disk
      await done.handle.close();
      await rm(done.path, { force: true });
    }
    const current = this.current;
    if (nothingPending && current.bytes > 0) {
      await current.handle.truncate(0);
      current.bytes = 0;
      current.torn = false;
    }
  }

  /** `everysec`: puts what was written since the last call on disk. */
  private async fsyncDirty(): Promise<void> {
    for (const segment of [...this.segments]) {
      if (!segment.dirty) continue;
      segment.dirty = false;
      await segment.handle.datasync().catch((error: Error) => {
        segment.dirty = true;
        if (this.fsyncErrorGate())
          this.logger.error(`${this.prefix} journal fdatasync failed: ${error.message}`);
      });
    }
  }

  /**
   * Writes until nothing is unsynced: one write (group commit) per turn, covering every append so
   * far. A failed write rejects the callers it would have made durable, and those after them
   * until the owner releases what it lost; later appends are still written, for the next start.
   */
  private async writeLoop(): Promise<void> {
    this.busy = true;
    try {
      while (this.unsynced.length > 0) {
        const maxSeq = this.unsyncedMaxSeq;
        await this.writeUnsynced().catch((error: Error) => (this.lost = { seq: maxSeq, error }));
        const done = this.waiters.findIndex((w) => w.seq > maxSeq);
        for (const waiter of this.waiters.splice(0, done < 0 ? this.waiters.length : done))
          if (this.lost) waiter.reject(this.lost.error);
          else waiter.resolve();
      }
    } finally {
      this.busy = false;
    }
  }

  private async writeUnsynced(): Promise<void> {
    let text = this.unsynced;
    const maxSeq = this.unsyncedMaxSeq;
    this.unsynced = '';
    this.options.lock?.assertHeld();
    if (this.current.bytes > SEGMENT_BYTES) await this.startSegment();
    const segment = this.current;
    // After a failed write the file may end in a torn record: a newline keeps the next one apart.
    if (segment.torn) text = `\n${text}`;
    const data = Buffer.from(text);
    segment.torn = true; // until the write is known to be whole
    const { bytesWritten } = await segment.handle.write(data);
    segment.bytes += bytesWritten;
    if (bytesWritten !== data.length)
      throw new Error(
        `${this.prefix} journal write fell short (${bytesWritten} of ${data.length} bytes; disk full?)`,
      );
    segment.torn = false;
    if (this.fsync === 'everysec') segment.dirty = true;
    else if (!constants.O_DSYNC) await segment.handle.datasync();
    segment.maxSeq = maxSeq;
    this.syncedSeq = maxSeq;
  }
}

/** "1 damaged record", "2 damaged records". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
