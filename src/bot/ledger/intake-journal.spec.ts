import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

  /** What a new journal on `dir` gets from the files left there. */
  const reopen = () => {
    orphanAll(dir, 'intake');
    return journalIn(dir).open();
  };

  it('gives a crashed predecessor’s unfinished updates back, oldest first, and the highest id it saw', async () => {
    const first = journalIn(dir);
    await expect(first.open()).resolves.toMatchObject({ unfinished: [], highestId: -1 });
    first.append([update(10), update(11)]);
    first.append([update(12)]);
    first.finish(11);
    await first.sync(); // writes both pages and the mark for 11

    const state = await reopen();
    expect(state).toMatchObject({ unfinished: [update(10), update(12)], highestId: 12 });
    expect([...state.finished]).toEqual([11]);
  });

  it('writes the marks of finished updates soon, with no caller waiting for them', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(1), update(2)]);
    await first.sync();
    first.finish(1);
    const written = () =>
      readdirSync(dir).some((name) => readFileSync(join(dir, name), 'utf8').includes('"done"'));
    for (let turn = 0; turn < 1000 && !written(); turn++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    await expect(reopen()).resolves.toMatchObject({ unfinished: [update(2)] });
  });

  it('reports a predecessor whose updates all finished by its highest id alone', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(5), update(6)]);
    await first.sync();
    first.finish(5);
    first.finish(6);
    await first.sync();
    await expect(reopen()).resolves.toMatchObject({ unfinished: [], highestId: 6 });
  });

  it('records effects: attempted, sent with the result, refused; none of a finished update', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(1), update(2)]);
    await first.attempt(1, 0);
    first.outcome(1, 0, { kind: 'sent', result: { message_id: 70 } });
    await first.attempt(1, 1);
    first.outcome(1, 1, { kind: 'failed', code: 403, description: 'Forbidden: bot was blocked' });
    await first.attempt(1, 2); // in flight at the crash
    await first.attempt(2, 0);
    first.finish(2);
    await first.attempt(3, 0); // an update never journaled: Telegram will send it again
    await first.sync();

    const { effects, unfinished } = await reopen();
    expect(unfinished).toEqual([update(1)]);
    expect(Object.fromEntries([...effects].map(([id, e]) => [id, Object.fromEntries(e)]))).toEqual({
      1: {
        0: { kind: 'sent', result: { message_id: 70 } },
        1: { kind: 'failed', code: 403, description: 'Forbidden: bot was blocked' },
        2: { kind: 'attempted' },
      },
      3: { 0: { kind: 'attempted' } },
    });
  });

  it('carries what it replays into its own file before the old files go, so a second crash keeps it', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append([update(1), update(2)]);
    await first.attempt(2, 0);
    first.outcome(2, 0, { kind: 'sent', result: true });
    await first.sync();

    orphanAll(dir, 'intake');
    const second = journalIn(dir);
    await second.open();
    expect(readdirSync(dir).filter((n) => n.includes('999999999'))).toEqual([]);
    second.finish(1);
    await second.sync();

    const third = await reopen();
    expect(third.unfinished).toEqual([update(2)]);
    expect(third.effects.get(2)?.get(0)).toEqual({ kind: 'sent', result: true });
  });

  it('deletes its files on close when every update finished, and keeps them otherwise', async () => {
    const done = journalIn(dir);
    await done.open();
    done.append([update(1)]);
    await done.attempt(1, 0);
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
    await expect(reopen()).resolves.toMatchObject({ unfinished: [update(3)], highestId: 3 });
  });
});
