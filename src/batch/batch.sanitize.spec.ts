import { cleanText, toDeadLetterPayload } from './batch.sanitize';

describe('sanitize', () => {
  it('drops NUL bytes and bounds the length', () => {
    expect(cleanText('a\u0000b', 10)).toBe('ab');
    expect(cleanText('abcdef', 3)).toBe('abc');
    expect(cleanText(null, 3)).toBeNull();
  });

  it('makes dead-letter payloads valid jsonb', () => {
    const json = toDeadLetterPayload({ text: 'a\u0000', at: new Date(NaN), id: NaN });
    expect(json).not.toContain('\\u0000');
    expect(JSON.parse(json)).toEqual({ text: 'a\uFFFD', at: null, id: null });
  });
});
