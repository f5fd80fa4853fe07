import { decodeRecord, encodeRecord, type JournalRecord } from './batch.journal-codec';

const message: JournalRecord = {
  kind: 'message',
  row: {
    updateId: 7,
    chatId: -100123,
    userId: null,
    messageId: 3,
    text: 'line one\nline "two" \u2028 😀',
    createdAt: new Date(1_700_000_000_000),
  },
};

const activity: JournalRecord = {
  kind: 'activity',
  row: {
    id: 42,
    username: null,
    firstName: 'Zoë',
    lastName: null,
    languageCode: 'de',
    seenAt: new Date(1_700_000_001_000),
    messages: 2,
  },
};

describe('journal codec', () => {
  it.each([message, activity])('gives back the record it encoded ($kind), dates as Dates', (r) => {
    const line = encodeRecord(r);
    expect(line).not.toContain('\n');
    expect(decodeRecord(line)).toEqual(r);
  });

  it('reads the object lines of earlier versions', () => {
    expect(decodeRecord(JSON.stringify(message))).toEqual(message);
    expect(decodeRecord(JSON.stringify(activity))).toEqual(activity);
  });

  it('rejects torn and foreign lines', () => {
    expect(() => decodeRecord(encodeRecord(message).slice(0, -3))).toThrow();
    expect(() => decodeRecord('["x",1]')).toThrow('unknown journal record');
    expect(() => decodeRecord('{"kind":"other"}')).toThrow('unknown journal record');
  });
});
