import { randomBytes } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { atMostEvery } from '../common/at-most-every';

/** How one record becomes one line of the journal and back (`decode` throws on a torn line). */
export interface JournalCodec<T> {
  encode(record: T): string;
  decode(line: string): T;
}

interface Segment {
  path: string;
  handle: FileHandle;
  bytes: number;
  /** Highest buffer sequence number written to this segment. */
  maxSeq: number;
  /** Written since its last fdatasync (`everysec` only). */
  dirty: boolean;
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

/**
 * A local append-only journal of records that must survive a crash until their owner is done with
 * them (see BatchJournal and IntakeJournal). A record is durable once sync() resolves (on disk, or
 * with `everysec` written to the OS: see JournalFsync); the records of a process that died are
 * handed to the next start. Writes are group-committed: one write covers every record appended
 * since the previous one. Each record carries a sequence number (non-decreasing) by which the
 * owner says what it no longer needs (release).
 *
 * Hand-written: no maintained Node library does a small fsync'd append-only log with this
 * lifecycle (the file names carry pid and process start time so a live sibling replica on the
 * same volume is never replayed, while a crashed predecessor with a reused pid is).
 */
export class AppendJournal<T> {
  private readonly logger = new Logger(AppendJournal.name);
  private readonly fsyncErrorGate = atMostEvery(FSYNC_ERROR_LOG_EVERY_MS);
  private readonly id = `${process.pid}-${processStartTime(process.pid)}-${randomBytes(4).toString('hex')}`;
  private segments: Segment[] = [];
  private segmentNo = 0;
  private unsynced = '';
  private unsyncedMaxSeq = 0;
  /** Highest sequence number written. */
  private syncedSeq = 0;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private writing = false;
  /** Callers of sync(), in order of the sequence number each waits for. */
  private waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private orphans: string[] = [];
  private readonly filePattern: RegExp;

  /** `prefix` names this journal's files, so several journals can share one directory. */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly codec: JournalCodec<T>,
    private readonly fsync: JournalFsync = 'always',
  ) {
    this.filePattern = new RegExp(`^${prefix}-(\\d+)-(\\d+)-[0-9a-f]+-\\d+\\.ndjson$`);
  }

  /** Creates this process's segment and returns the records of crashed predecessors, in order. */
  async open(): Promise<T[]> {
    await mkdir(this.dir, { recursive: true });
    this.orphans = (await readdir(this.dir)).filter((name) => this.isOrphan(name)).sort();
    const records: T[] = [];
    for (const name of this.orphans)
      records.push(...this.parseRecords(await readFile(join(this.dir, name), 'utf8')));
    await this.startSegment();
    if (this.fsync === 'everysec') {
      this.fsyncTimer = setInterval(() => void this.fsyncDirty(), FSYNC_EVERY_MS);
      this.fsyncTimer.unref();
    }
    return records;
  }

  /** Deletes the predecessors' files, once their records are journaled again by this process. */
  async removeOrphans(): Promise<void> {
    for (const name of this.orphans.splice(0)) await rm(join(this.dir, name), { force: true });
  }

  append(record: T, seq: number): void {
    this.unsynced += `${this.codec.encode(record)}\n`;
    this.unsyncedMaxSeq = seq;
  }

  /**
   * Resolves once everything appended before the call is on disk. Each caller waits for the one
   * write that covers its records, so a write wakes only the callers it made durable (under load
   * dozens of updates wait on the journal at once).
   */
  sync(): Promise<void> {
    if (this.unsynced.length === 0 && !this.writing) return Promise.resolve();
    const seq = this.unsyncedMaxSeq;
    if (seq <= this.syncedSeq) return Promise.resolve();
    const wait = new Promise<void>((resolve, reject) =>
      this.waiters.push({ seq, resolve, reject }),
    );
    if (!this.writing) void this.writeLoop();
    return wait;
  }

  /**
   * Drops what the owner no longer needs: closed segments whose records all have sequence numbers
   * below `minPendingSeq`, and the current segment's content when nothing is pending at all.
   */
  async release(minPendingSeq: number, nothingPending: boolean): Promise<void> {
    if (this.writing || this.unsynced) return;
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
    }
  }

  /** Bytes in the current segment (what a crash now would leave to replay, at most). */
  get currentBytes(): number {
    return this.current?.bytes ?? 0;
  }

  /** Closes the journal; its files are deleted only when nothing in them is pending. */
  async close(nothingPending: boolean): Promise<void> {
    clearInterval(this.fsyncTimer);
    await this.sync();
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

  private async startSegment(): Promise<void> {
    const path = join(this.dir, `${this.prefix}-${this.id}-${this.segmentNo++}.ndjson`);
    const flags = this.fsync === 'always' ? DSYNC_APPEND_FLAGS : APPEND_FLAGS;
    this.segments.push({
      path,
      handle: await open(path, flags),
      bytes: 0,
      maxSeq: 0,
      dirty: false,
    });
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

  /** Writes until nothing is unsynced: one write (group commit) per turn, covering every append so far. */
  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      while (this.unsynced.length > 0) {
        await this.writeUnsynced();
        const done = this.waiters.findIndex((w) => w.seq > this.syncedSeq);
        for (const waiter of this.waiters.splice(0, done < 0 ? this.waiters.length : done))
          waiter.resolve();
      }
    } catch (error) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(error as Error);
    } finally {
      this.writing = false;
    }
  }

  private async writeUnsynced(): Promise<void> {
    const text = this.unsynced;
    const maxSeq = this.unsyncedMaxSeq;
    this.unsynced = '';
    if (this.current.bytes > SEGMENT_BYTES) await this.startSegment();
    const segment = this.current;
    await segment.handle.write(text);
    if (this.fsync === 'everysec') segment.dirty = true;
    else if (!constants.O_DSYNC) await segment.handle.datasync();
    segment.bytes += Buffer.byteLength(text);
    segment.maxSeq = maxSeq;
    this.syncedSeq = maxSeq;
  }

  private parseRecords(text: string): T[] {
    const records: T[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(this.codec.decode(line));
      } catch {
        // A torn last line from a crash mid-write: nothing in it was relied on (its write never returned).
      }
    }
    return records;
  }

  /** A file of a process that is gone: its pid is dead, or now belongs to a process started later. */
  private isOrphan(name: string): boolean {
    const match = this.filePattern.exec(name);
    if (!match) return false;
    const [, pid, startTime] = match;
    return !isAlive(Number(pid)) || processStartTime(Number(pid)) !== startTime;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process start time in clock ticks since boot (Linux); '0' where /proc is not available. */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name (which may contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    return '0';
  }
}
