import { message } from '../../test/support/fake-batch-writer';
import type { FlushUnit } from './batch.buffer';
import { isContentError, splitUnit } from './batch.isolate';
import type { UserEntry } from './batch.types';

const pending = (id: number, userId: number | null) => ({
  seq: id,
  addedAt: 0,
  row: message(id, userId),
});
const entry = (id: number): UserEntry => ({
  id,
  username: null,
  firstName: null,
  lastName: null,
  languageCode: null,
  firstSeenAt: new Date(0),
  lastSeenAt: new Date(0),
  messages: 1,
  minSeq: 1,
  addedAt: 0,
});
const ids = (unit: FlushUnit) => ({
  messages: unit.messages.map((m) => m.row.updateId),
  users: unit.users.map((u) => u.id),
});

describe('splitUnit', () => {
  it('halves by user, keeping a user with its messages', () => {
    const unit = {
      messages: [pending(1, 10), pending(2, 20), pending(3, 10), pending(4, null)],
      users: [entry(10), entry(20), entry(30)],
    };
    expect(splitUnit(unit).map(ids)).toEqual([
      { messages: [1, 3, 2], users: [10, 20] },
      { messages: [4], users: [30] },
    ]);
  });

  it('splits one user into single rows', () => {
    const unit = { messages: [pending(1, 10), pending(2, 10)], users: [entry(10)] };
    expect(splitUnit(unit).map(ids)).toEqual([
      { messages: [1], users: [] },
      { messages: [2], users: [] },
      { messages: [], users: [10] },
    ]);
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
  });
});
