import { Logger } from '@nestjs/common';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, DataDirLock } from './data-dir.lock';

describe('DataDirLock', () => {
  let dir: string;
  const held: DataDirLock[] = [];
  const acquire = async (waitMs = 0) => {
    const lock = await DataDirLock.acquire(dir, { waitMs });
    held.push(lock);
    return lock;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dir = join(mkdtempSync(join(tmpdir(), 'data-dir-lock-spec-')), 'data')));
  afterEach(async () => {
    await Promise.all(held.splice(0).map((lock) => lock.release()));
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('creates DATA_DIR 0700 and refuses a second owner, naming the directory and what to do', async () => {
    await acquire();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const second = acquire();
    await expect(second).rejects.toThrow(DataDirInUseError);
    await expect(second).rejects.toThrow(
      `DATA_DIR ${dir} is in use by another running instance of this service`,
    );
    await expect(second).rejects.toThrow('give this one a different DATA_DIR');
  });

  it('is free again once released', async () => {
    const first = await acquire();
    await first.release();
    expect(existsSync(join(dir, 'instance.lock'))).toBe(false);
    await expect(acquire()).resolves.toBeInstanceOf(DataDirLock);
  });

  it('takes over the lock of an owner that was killed (no longer refreshed)', async () => {
    mkdirSync(join(dir, 'instance.lock'), { recursive: true });
    const lastRefresh = new Date(Date.now() - 11_000);
    utimesSync(join(dir, 'instance.lock'), lastRefresh, lastRefresh);
    const lock = await acquire();
    expect(lock.held).toBe(true);
  });

  it('takes over at once a fresh lock whose owner ran on this machine and is gone', async () => {
    mkdirSync(join(dir, 'instance.lock'), { recursive: true });
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      join(dir, 'instance.owner'),
      JSON.stringify({ host: hostname(), bootId, pid: deadPid }),
    );
    const lock = await acquire();
    expect(lock.held).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'instance.owner'), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
  });

  it('refuses at once, without waiting, a fresh lock whose owner runs on this machine', async () => {
    mkdirSync(join(dir, 'instance.lock'), { recursive: true });
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      writeFileSync(
        join(dir, 'instance.owner'),
        JSON.stringify({ host: hostname(), bootId, pid: owner.pid }),
      );
      // A wait long enough to outlast the test's timeout: only refusing at once passes.
      await expect(DataDirLock.acquire(dir, { waitMs: 60_000 })).rejects.toThrow(DataDirInUseError);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('reports a lock lost while running and refuses writes from then on', async () => {
    const lock = await acquire();
    expect(() => lock.assertHeld()).not.toThrow();
    rmSync(join(dir, 'instance.lock'), { recursive: true }); // as another instance taking it would
    const lost = await lock.lost;
    expect(lost.message).toContain(`lost the lock on DATA_DIR ${dir}`);
    expect(() => lock.assertHeld()).toThrow(lost);
    expect(lock.held).toBe(false);
  });
});
