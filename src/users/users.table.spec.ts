import { MAX_NAME_LENGTH, type UserRow, usersTable } from './users.table';

const row = (at: number, names: Partial<UserRow> = {}): UserRow => ({
  id: 42,
  username: 'zoe',
  firstName: 'Zoë',
  lastName: null,
  languageCode: 'de',
  firstSeenAt: new Date(at),
  lastSeenAt: new Date(at),
  ...names,
});

describe('usersTable', () => {
  it('gives back from the journal the row it encoded, dates as Dates', () => {
    const line = JSON.stringify(usersTable.encode(row(1_700_000_001_000)));
    expect(usersTable.decode(JSON.parse(line) as unknown[])).toEqual(row(1_700_000_001_000));
    expect(() => usersTable.decode(['m', 1])).toThrow();
  });

  it('merges sightings: the latest names (a missing one keeps the earlier), seen times widened', () => {
    const merged = usersTable.merge!.rows(
      row(2000, { username: 'new', lastName: null }),
      row(1000, { username: 'old', lastName: 'Kept' }),
    );
    expect(merged).toEqual({
      ...row(1000),
      username: 'new',
      lastName: 'Kept',
      firstSeenAt: new Date(1000),
      lastSeenAt: new Date(2000),
    });
  });

  it('cuts absurd names to 256 characters and drops NUL bytes', () => {
    const clean = usersTable.sanitize(
      row(0, { username: 'n'.repeat(10_000), firstName: '\u0000A' }),
    );
    expect(clean.username).toHaveLength(MAX_NAME_LENGTH);
    expect(clean.firstName).toBe('A');
  });
});
