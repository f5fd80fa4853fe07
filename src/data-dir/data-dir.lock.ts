import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { lock } from 'proper-lockfile';
import { sleep } from '../common/backoff';

/**
 * The owner refreshes the lock every 2 s; a lock not refreshed for 10 s (proper-lockfile's
 * default) is a dead owner's. 8 s of margin: a live owner whose event loop or volume stalls that
 * long (a PGlite migration, a slow network volume) is still not taken for dead.
 */
const STALE_MS = 10_000;
const REFRESH_MS = 2_000;
/** A start waits this long for a dead predecessor's lock to go stale, checking every second. */
const WAIT_MS = STALE_MS + 2_000;
const CHECK_EVERY_MS = 1_000;
const LOCK_NAME = 'instance.lock';
/** Who holds the lock: host, kernel boot and pid, so a start on the same machine can tell a dead owner at once. */
const OWNER_NAME = 'instance.owner';

interface Owner {
  host: string;
  bootId: string;
  pid: number;
}

/** Another live process owns DATA_DIR; the message names it and says what to do. */
export class DataDirInUseError extends Error {
  constructor(dir: string) {
    super(
      `DATA_DIR ${dir} is in use by another running instance of this service (its lock ${LOCK_NAME} ` +
        `is still being refreshed). Each instance needs its own DATA_DIR: stop the other instance, ` +
        `or give this one a different DATA_DIR. A lock whose owner died is taken over ` +
        `${STALE_MS / 1000} s after it stopped, without any action.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLockOptions {
  /** How long to wait for a held lock to go stale before refusing (specs shorten it). */
  waitMs?: number;
}

/**
 * This process's exclusive ownership of DATA_DIR (its journals, PGlite's files): a lock directory
 * inside it, created atomically (mkdir) and kept fresh by proper-lockfile. It works across
 * containers (where pids and their start times mean nothing) and on network volumes (where
 * flock() may not), with no native addon. A second instance on the same DATA_DIR refuses to
 * start instead of replaying a live sibling's journal.
 */
export class DataDirLock {
  private readonly logger = new Logger(DataDirLock.name);
  private lostError: Error | null = null;
  private released = false;
  private reportLost: (error: Error) => void = () => undefined;
  /**
   * Settles only if the lock is lost while running (its directory deleted, or taken over by
   * another instance after this one stalled for longer than the stale time).
   */
  readonly lost = new Promise<Error>((resolve) => (this.reportLost = resolve));

  private constructor(
    /** The locked directory, absolute. */
    readonly dir: string,
    private readonly unlock: () => Promise<void>,
  ) {}

  /**
   * Creates `dir` (0700) if needed and locks it. A lock held by another instance is waited for
   * as long as it may take to go stale (its owner was killed); if it stays fresh, this throws
   * DataDirInUseError.
   */
  static async acquire(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
    const absolute = resolve(dir);
    const lockPath = resolve(absolute, LOCK_NAME);
    await mkdir(absolute, { recursive: true, mode: 0o700 });
    const logger = new Logger(DataDirLock.name);
    const waitMs = options.waitMs ?? WAIT_MS;
    const giveUpAt = Date.now() + waitMs;
    // Compromise is reported only for a lock that was acquired, so `holder` is set by then.
    let holder: DataDirLock | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const unlock = await lock(absolute, {
          lockfilePath: lockPath,
          stale: STALE_MS,
          update: REFRESH_MS,
          onCompromised: (error) => holder?.lose(error),
        });
        holder = new DataDirLock(absolute, unlock);
        await writeOwner(absolute);
        if (attempt > 0) logger.log(`Took over DATA_DIR ${absolute} from an instance that stopped`);
        return holder;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
        const owner = attempt === 0 ? await ownerOnThisMachine(absolute) : 'unknown';
        if (owner === 'gone') {
          // Its owner ran on this machine since this boot and its pid is gone: the lock is dead
          // now, not in STALE_MS. Removing a dead lock is what proper-lockfile does with a stale one.
          logger.warn(`DATA_DIR ${absolute}: the instance that locked it is gone; taking over`);
          await rm(lockPath, { recursive: true, force: true });
          continue;
        }
        // A fresh lock whose owner runs on this machine: waiting for it to go stale cannot help.
        if (owner === 'running') throw new DataDirInUseError(absolute);
        if (Date.now() >= giveUpAt) throw new DataDirInUseError(absolute);
        if (attempt === 0) logger.warn(await waitingMessage(absolute, lockPath, waitMs));
        await sleep(CHECK_EVERY_MS);
      }
    }
  }

  /** Throws once the lock is lost: nothing may then be written or acknowledged on DATA_DIR's strength. */
  assertHeld(): void {
    if (this.lostError) throw this.lostError;
  }

  get held(): boolean {
    return !this.lostError && !this.released;
  }

  /** Releases the lock (at shutdown, after everything in DATA_DIR is closed). */
  async release(): Promise<void> {
    if (!this.held) return;
    this.released = true;
    await this.unlock();
  }

  private lose(cause: Error): void {
    this.lostError = new Error(
      `lost the lock on DATA_DIR ${this.dir} (${cause.message}): another instance may be using it`,
    );
    this.logger.error(`${this.lostError.message}; journal writes stop`);
    this.reportLost(this.lostError);
  }
}

function self(): Owner {
  let bootId = '';
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // Not Linux: a dead owner is only recognised by its stale lock.
  }
  return { host: hostname(), bootId, pid: process.pid };
}

async function writeOwner(dir: string): Promise<void> {
  const path = resolve(dir, OWNER_NAME);
  await writeFile(`${path}.tmp`, JSON.stringify(self()), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/**
 * Whether the lock's owner ran on this host since this boot, under another pid, and that pid is
 * still running or gone. In another container the host name differs (and a pid there means
 * nothing here), and a process that restarts as the same pid (pid 1 in a container) cannot tell:
 * both are 'unknown', and wait for the lock to go stale. The lock is fresh when this is asked, so
 * a running pid is its owner, not a stranger that reused the pid of one that died seconds ago
 * (if it were, the refused start succeeds once retried after STALE_MS).
 */
async function ownerOnThisMachine(dir: string): Promise<'running' | 'gone' | 'unknown'> {
  const me = self();
  if (!me.bootId) return 'unknown';
  try {
    const owner = JSON.parse(await readFile(resolve(dir, OWNER_NAME), 'utf8')) as Owner;
    if (owner.host !== me.host || owner.bootId !== me.bootId || owner.pid === me.pid)
      return 'unknown';
    return isAlive(owner.pid) ? 'running' : 'gone';
  } catch {
    return 'unknown';
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

async function waitingMessage(dir: string, lockPath: string, waitMs: number): Promise<string> {
  const age = await stat(lockPath).then(
    (s) => `${Math.round((Date.now() - s.mtimeMs) / 1000)} s ago`,
    () => 'just now',
  );
  return `DATA_DIR ${dir} is locked by another instance (last refreshed ${age}); waiting up to ${Math.round(waitMs / 1000)} s in case it was killed`;
}
