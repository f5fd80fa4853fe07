import { checkDisplayName, DISPLAY_NAME_MAX_LENGTH } from './display-name';

describe('checkDisplayName', () => {
  it('removes control and format characters and folds whitespace', () => {
    expect(checkDisplayName('  Ann\u0000\u202e \n\t Lee\u200b ')).toEqual({
      ok: true,
      name: 'Ann Lee',
    });
  });

  it('keeps markup characters literally (replies carry names as entities)', () => {
    expect(checkDisplayName('<b>&_*[x]')).toEqual({ ok: true, name: '<b>&_*[x]' });
  });

  it('refuses an empty name and one over the limit, counting characters, not UTF-16 units', () => {
    expect(checkDisplayName(' \u0007 ')).toEqual({ ok: false, reason: 'empty' });
    expect(checkDisplayName('😀'.repeat(DISPLAY_NAME_MAX_LENGTH)).ok).toBe(true);
    expect(checkDisplayName('a'.repeat(DISPLAY_NAME_MAX_LENGTH + 1))).toEqual({
      ok: false,
      reason: 'too-long',
    });
  });
});
