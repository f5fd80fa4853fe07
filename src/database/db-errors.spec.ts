import {
  describeDbError,
  isFatalConnectError,
  isPreparedStatementError,
  isTransientDbError,
} from './db-errors';

const err = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('database error classification', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', '57P01', '08006', '08001', '53300'])(
    'retries %s',
    (code) => {
      expect(isTransientDbError(err(code))).toBe(true);
    },
  );

  it.each(['23505', '22P02', '42P01'])('does not retry %s', (code) => {
    expect(isTransientDbError(err(code))).toBe(false);
  });

  it('recognises a dropped connection by its message', () => {
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it.each(['26000', '42P05'])('tells a pooler’s prepared-statement error %s apart', (code) => {
    expect(isPreparedStatementError(err(code))).toBe(true);
    expect(isTransientDbError(err(code))).toBe(false);
  });

  it.each(['28P01', '28000', '3D000'])('fails fast on %s', (code) => {
    expect(isFatalConnectError(err(code))).toBe(true);
  });

  it('never repeats a connection string with its password', () => {
    const text = describeDbError(err('28P01', 'failed for postgres://bot:hunter2@db:5432/bot'));
    expect(text).not.toContain('hunter2');
    expect(text).toContain('28P01');
  });
});
