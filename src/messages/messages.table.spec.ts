import { MAX_TEXT_LENGTH, type MessageRow, messagesTable } from './messages.table';

const row: MessageRow = {
  updateId: 7,
  chatId: -100123,
  userId: null,
  messageId: 3,
  text: 'line one\nline "two" \u2028 😀',
  createdAt: new Date(1_700_000_000_000),
};

describe('messagesTable', () => {
  it('gives back from the journal the row it encoded, dates as Dates', () => {
    const line = JSON.stringify(messagesTable.encode(row));
    expect(line).not.toContain('\n');
    expect(messagesTable.decode(JSON.parse(line) as unknown[])).toEqual(row);
    expect(() => messagesTable.decode([1, 2])).toThrow();
  });

  it('drops NUL bytes from text and keeps a 4096-character message whole', () => {
    expect(messagesTable.sanitize({ ...row, text: 'a\u0000b' }).text).toBe('ab');
    const long = 'x'.repeat(4096);
    expect(messagesTable.sanitize({ ...row, text: long }).text).toBe(long);
    expect(messagesTable.sanitize({ ...row, text: 'y'.repeat(20_000) }).text).toHaveLength(
      MAX_TEXT_LENGTH,
    );
  });

  it('names a row by its update id only', () => {
    expect(messagesTable.describe(row)).toBe('update 7');
  });
});
