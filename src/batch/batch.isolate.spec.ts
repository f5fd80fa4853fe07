import type { FlushUnit, Pending } from './batch.buffer';
import { isContentError, onlyRow, splitUnit, UnwritableRows } from './batch.isolate';

const pending = (seq: number): Pending => ({ row: { seq }, key: seq, minSeq: seq, addedAt: 0 });
const seqs = (unit: FlushUnit) => unit.map((rows) => rows.map((p) => p.minSeq));

describe('splitUnit', () => {
  it('halves the rows of every table, tables in statement order', () => {
    const unit = [[pending(1), pending(2), pending(3)], [pending(4), pending(5)], []];
    expect(splitUnit(unit).map(seqs)).toEqual([
      [[1, 2, 3], [], []],
      [[], [4, 5], []],
    ]);
    expect(splitUnit([[pending(1)], [pending(2), pending(3), pending(4)]]).map(seqs)).toEqual([
      [[1], [2]],
      [[], [3, 4]],
    ]);
  });

  it('ends in units of one row, whose row and table it names', () => {
    const [first, second] = splitUnit([[], [pending(7), pending(8)]]);
    expect(onlyRow(first)).toEqual({ table: 1, pending: pending(7) });
    expect(onlyRow(second)).toEqual({ table: 1, pending: pending(8) });
  });
});

describe('isContentError', () => {
  it.each([
    ['22P02', true],
    ['23502', true],
    ['22003', true],
    ['54000', true],
    ['ECONNREFUSED', false],
    ['57P01', false],
    ['42P01', false],
  ])('%s -> %s', (code, expected) => {
    expect(isContentError({ code })).toBe(expected);
    expect(isContentError({ driverError: { code } })).toBe(expected);
  });

  it('treats a parameter the driver cannot serialise as content', () => {
    expect(isContentError({ driverError: new RangeError('Invalid time value') })).toBe(true);
    expect(isContentError(new TypeError('x is undefined'))).toBe(false);
    expect(isContentError(new UnwritableRows(new TypeError('x is undefined')))).toBe(true);
  });
});
