import { CALLBACK_DATA_MAX_BYTES, CallbackDataError, defineCallbackData } from './callback-data';

describe('defineCallbackData', () => {
  const note = defineCallbackData('note', 2, ['action', 'id']);

  it('round-trips fields, separators and non-ASCII included', () => {
    const data = note.encode({ action: 'del:all', id: 'заметка 7' });
    expect(data.startsWith('note:2:')).toBe(true);
    expect(note.decode(data)).toEqual({ action: 'del:all', id: 'заметка 7' });
    expect(note.trigger.test(data)).toBe(true);
  });

  it('refuses data over 64 bytes when the button is built, naming the button, not the values', () => {
    const build = () => note.button('Delete', { action: 'delete', id: 'x'.repeat(60) });
    expect(build).toThrow(CallbackDataError);
    expect(build).toThrow(/"note:2" data is \d+ bytes, over Telegram's limit of 64/);
    expect(build).not.toThrow(/xxxx/);
    // Multi-byte characters count as bytes, not as characters.
    const limit = CALLBACK_DATA_MAX_BYTES - 'note:2:a:'.length;
    expect(() => note.encode({ action: 'a', id: 'x'.repeat(limit) })).not.toThrow();
    expect(() => note.encode({ action: 'a', id: 'ж'.repeat(Math.ceil(limit / 2) + 1) })).toThrow(
      CallbackDataError,
    );
  });

  it('refuses a missing field when the button is built', () => {
    expect(() => note.encode({ action: 'open' } as never)).toThrow(/field "id" is missing/);
  });

  it('decodes foreign, stale and malformed data to null', () => {
    const stale = defineCallbackData('note', 1, ['id']).encode({ id: '7' });
    for (const data of [
      undefined,
      '',
      'menu:profile',
      stale,
      'note:2',
      'note:2:open',
      'note:2:open:7:extra',
      'note:2:open:%E0%A4%A',
      'note:20:open:7',
    ]) {
      expect(note.decode(data)).toBeNull();
    }
    expect(note.trigger.test(stale)).toBe(false);
    expect(note.trigger.test('note:20:open:7')).toBe(false);
  });

  it('refuses bad prefixes, versions and a second definition of the same version', () => {
    expect(() => defineCallbackData('a:b', 1, [])).toThrow(CallbackDataError);
    expect(() => defineCallbackData('ok', 0, [])).toThrow(CallbackDataError);
    expect(() => defineCallbackData('note', 2, ['x'])).toThrow(/defined twice/);
  });
});
