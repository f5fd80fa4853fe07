import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdCounters } from './id-counters';

describe('IdCounters', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ids-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts each sequence from its first id, in memory without a file', () => {
    const ids = new IdCounters();
    expect([ids.take('a', 1), ids.take('a', 1), ids.take('b', 1000)]).toEqual([1, 2, 1000]);
    ids.passed('a', 50);
    expect(ids.take('a', 1)).toBe(51);
  });

  it('never repeats an id after a restart, even one that was never written back', () => {
    const file = join(dir, 'ids.json');
    const first = new IdCounters(file);
    const used = Array.from({ length: 150 }, () => first.take('chat:1', 1));
    // The process dies here: no shutdown write.
    const second = new IdCounters(file);
    const next = second.take('chat:1', 1);
    expect(next).toBeGreaterThan(Math.max(...used));
    expect(second.take('update', 1)).toBe(1);
  });

  it('writes once per block of ids, not per id', () => {
    const file = join(dir, 'ids.json');
    const ids = new IdCounters(file);
    ids.take('update', 1);
    const afterFirst = readFileSync(file, 'utf8');
    for (let i = 0; i < 99; i++) ids.take('update', 1);
    expect(readFileSync(file, 'utf8')).toBe(afterFirst);
    ids.take('update', 1);
    expect(readFileSync(file, 'utf8')).not.toBe(afterFirst);
  });

  it('refuses an unreadable file, saying how to recover', () => {
    const file = join(dir, 'ids.json');
    writeFileSync(file, '{not json');
    expect(() => new IdCounters(file)).toThrow(
      `the sandbox's id file ${file} is unreadable: delete it to start over`,
    );
  });
});
