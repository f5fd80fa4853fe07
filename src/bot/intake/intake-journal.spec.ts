import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Update } from 'telegraf/types';
import { IntakeJournal } from './intake-journal';
import { orphanAll } from '../../../test/support/journal-files';

const update = (id: number): Update =>
  ({
    update_id: id,
    message: {
      message_id: id,
      date: 1_700_000_000,
      chat: { id: 7, type: 'private' },
      text: `m${id}`,
    },
  }) as Update;

describe('IntakeJournal', () => {
  let dir: string;
  /** Every journal a test opened; those left open play crashed processes until the test ends. */
  const opened: IntakeJournal[] = [];
  const journalIn = (path: string): IntakeJournal => {
    const journal = new IntakeJournal(path);
    opened.push(journal);
    return journal;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'intake-journal-spec-'))));
  afterEach(async () => {
    // Their file handles too: left to the garbage collector, Node warns (DEP0137).
    await Promise.all(opened.splice(0).map((journal) => journal.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a crashed predecessor’s unfinished updates back, oldest first, and the highest id it saw', async () => {
    const first = journalIn(dir);
    await expect(first.open()).resolves.toEqual({ unfinished: [], highestId: -1 });
    first.append([update(10), update(11)]);
    first.append([update(12)]);
    first.finish(11);
    await first.sync(); // writes both pages and the mark for 11
    first.finish(12);
    first.finish(10); // marked with the next write, which never comes
    orphanAll(dir, 'intake');

    const second = journalIn(dir);
    await expect(second.open()).resolves.toEqual({
      unfinished: [update(10), update(12)],
      highestId: 12,
    });
  });

  it('reports a predecessor whose updates all finished by its highest id alone', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(5), update(6)]);
    await first.sync();
    first.finish(5);
    first.finish(6);
    await first.sync();
    orphanAll(dir, 'intake');
    await expect(journalIn(dir).open()).resolves.toEqual({ unfinished: [], highestId: 6 });
  });

  it('keeps replayed updates across the hand-over: journaled again before the old files go', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(1), update(2)]);
    await first.sync();
    orphanAll(dir, 'intake');

    const second = journalIn(dir);
    const { unfinished } = await second.open();
    second.append(unfinished);
    await second.sync();
    await second.removeOrphans();
    expect(readdirSync(dir).filter((n) => n.includes('999999999'))).toEqual([]);
    second.finish(1);
    await second.sync();
    orphanAll(dir, 'intake');
    await expect(journalIn(dir).open()).resolves.toEqual({
      unfinished: [update(2)],
      highestId: 2,
    });
  });

  it('deletes its files on close when every update finished, and keeps them otherwise', async () => {
    const done = journalIn(dir);
    await done.open();
    done.append([update(1)]);
    await done.sync();
    done.finish(1);
    await done.close();
    expect(readdirSync(dir)).toEqual([]);

    const cut = journalIn(dir);
    await cut.open();
    cut.append([update(2), update(3)]);
    await cut.sync();
    cut.finish(2);
    await cut.close();
    orphanAll(dir, 'intake');
    await expect(journalIn(dir).open()).resolves.toEqual({
      unfinished: [update(3)],
      highestId: 3,
    });
  });
});
