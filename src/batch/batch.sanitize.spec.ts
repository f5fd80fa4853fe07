import { message } from '../../test/support/fake-batch-writer';
import { sanitizeActivity, sanitizeMessage, toDeadLetterPayload } from './batch.sanitize';

describe('sanitize', () => {
  it('drops NUL bytes from text and keeps a 4096-character message whole', () => {
    expect(sanitizeMessage({ ...message(1), text: 'a\u0000b' }).text).toBe('ab');
    const long = 'x'.repeat(4096);
    expect(sanitizeMessage({ ...message(1), text: long }).text).toBe(long);
  });

  it('cuts absurd names to 256 characters and normalises the increment', () => {
    const out = sanitizeActivity({
      id: 1,
      username: 'n'.repeat(10_000),
      firstName: '\u0000A',
      lastName: null,
      languageCode: 'en',
      seenAt: new Date(0),
      messages: -3,
    });
    expect(out.username).toHaveLength(256);
    expect(out.firstName).toBe('A');
    expect(out.messages).toBe(0);
  });

  it('makes dead-letter payloads valid jsonb', () => {
    const json = toDeadLetterPayload({ text: 'a\u0000', at: new Date(NaN), id: NaN });
    expect(json).not.toContain('\\u0000');
    expect(JSON.parse(json)).toEqual({ text: 'a\uFFFD', at: null, id: null });
  });
});
