import { parseTelegramHtml } from './telegram-html';

describe('parseTelegramHtml', () => {
  it('turns tags into entities with UTF-16 offsets and decodes entities', () => {
    expect(
      parseTelegramHtml('Hi <b>😀 &lt;you&gt;</b> <a href="https://x.org/?a=1&amp;b=2">link</a>'),
    ).toEqual({
      text: 'Hi 😀 <you> link',
      entities: [
        { type: 'bold', offset: 3, length: 8 },
        { type: 'text_link', offset: 12, length: 4, url: 'https://x.org/?a=1&b=2' },
      ],
    });
  });

  it('lists nested entities outer first, and takes a pre block language from its code tag', () => {
    expect(
      parseTelegramHtml('<i>a <u>b</u></i><pre><code class="language-ts">x</code></pre>').entities,
    ).toEqual([
      { type: 'italic', offset: 0, length: 3 },
      { type: 'underline', offset: 2, length: 1 },
      { type: 'pre', offset: 3, length: 1, language: 'ts' },
    ]);
  });

  it('refuses markup Telegram refuses, naming the problem', () => {
    expect(() => parseTelegramHtml('<div>x</div>')).toThrow(
      'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
    );
    expect(() => parseTelegramHtml('<b>x</i>')).toThrow('Unmatched end tag');
    expect(() => parseTelegramHtml('<b>x')).toThrow(
      `Can't find end tag corresponding to start tag "b"`,
    );
  });

  it('keeps script-looking text as text', () => {
    expect(parseTelegramHtml('&lt;script&gt;alert(1)&lt;/script&gt;')).toEqual({
      text: '<script>alert(1)</script>',
      entities: [],
    });
  });
});
