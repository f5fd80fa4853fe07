import { serializeSession } from './session-value';

describe('serializeSession', () => {
  it('stores nothing for no session, an empty one, or only the idle scene state', () => {
    expect(
      [undefined, null, {}, { __scenes: {} }, { __scenes: { state: {} } }].map(serializeSession),
    ).toEqual([null, null, null, null, null]);
  });

  it('keeps a current scene and any other field', () => {
    expect(serializeSession({ __scenes: { current: 'settings', cursor: 1 } })).toBe(
      '{"__scenes":{"current":"settings","cursor":1}}',
    );
    expect(serializeSession({ count: 1, __scenes: {} })).toBe('{"count":1}');
  });
});
