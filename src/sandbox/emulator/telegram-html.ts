import type { TgEntity } from './telegram.types';
import { BotApiError } from './wire';

/**
 * `parse_mode: 'HTML'` as Telegram applies it: the text loses its markup and gains entities
 * (offsets in UTF-16 code units), or the call fails with "can't parse entities". Hand-written
 * because Telegram's HTML is a strict subset with its own rules and errors; a general HTML parser
 * would accept, and silently repair, markup that Telegram refuses.
 */
export function parseTelegramHtml(html: string): { text: string; entities: TgEntity[] } {
  let text = '';
  const entities: TgEntity[] = [];
  const open: { tag: string; entity: TgEntity | null }[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw BotApiError.badRequest(
      `can't parse entities: ${reason} at byte offset ${Buffer.byteLength(html.slice(0, i))}`,
    );
  };
  while (i < html.length) {
    const ch = html[i];
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i, i + 12));
      if (!m) {
        text += '&';
        i++;
        continue;
      }
      text += decodeEntity(m[1]) ?? fail('Unsupported HTML entity');
      i += m[0].length;
      continue;
    }
    if (ch !== '<') {
      text += ch;
      i++;
      continue;
    }
    const end = html.indexOf('>', i);
    if (end < 0) fail('Unclosed start tag');
    const raw = html.slice(i + 1, end);
    if (raw.startsWith('/')) {
      const name = raw.slice(1).trim().toLowerCase();
      const top = open.pop();
      if (!top) fail(`Unexpected end tag "${name}"`);
      if (name !== top!.tag)
        fail(`Unmatched end tag, expected "</${top!.tag}>", found "</${name}>"`);
      if (top!.entity) {
        top!.entity.length = text.length - top!.entity.offset;
        if (top!.entity.length > 0) entities.push(top!.entity);
      }
      i = end + 1;
      continue;
    }
    const tag = /^([a-zA-Z][\w-]*)\s*(.*)$/s.exec(raw);
    if (!tag) fail('Unsupported start tag');
    const name = tag![1].toLowerCase();
    const attrs = parseAttributes(tag![2]);
    const entity = entityFor(name, attrs, open.at(-1), text.length);
    if (entity === undefined) fail(`Unsupported start tag "${name}"`);
    if (entity === 'code-in-pre') {
      const pre = open.at(-1)!.entity!;
      const language = /^language-(.+)$/.exec(attrs.class ?? '')?.[1];
      if (language) pre.language = language;
      open.push({ tag: name, entity: null });
    } else {
      open.push({ tag: name, entity: entity as TgEntity });
    }
    i = end + 1;
  }
  if (open.length > 0) {
    i = html.length;
    fail(`Can't find end tag corresponding to start tag "${open.at(-1)!.tag}"`);
  }
  // Entities are listed by offset, outer before inner, as Telegram returns them.
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

const SIMPLE: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  code: 'code',
  pre: 'pre',
};

function entityFor(
  name: string,
  attrs: Record<string, string>,
  parent: { tag: string; entity: TgEntity | null } | undefined,
  offset: number,
): TgEntity | 'code-in-pre' | undefined {
  if (name === 'code' && parent?.tag === 'pre') return 'code-in-pre';
  if (SIMPLE[name]) return { type: SIMPLE[name], offset, length: 0 };
  if (name === 'span' && attrs.class === 'tg-spoiler')
    return { type: 'spoiler', offset, length: 0 };
  if (name === 'blockquote') {
    return {
      type: 'expandable' in attrs ? 'expandable_blockquote' : 'blockquote',
      offset,
      length: 0,
    };
  }
  if (name === 'a') {
    const url = attrs.href ?? '';
    const mention = /^tg:\/\/user\?id=(\d+)$/.exec(url);
    if (mention) {
      const id = Number(mention[1]);
      return {
        type: 'text_mention',
        offset,
        length: 0,
        user: { id, is_bot: false, first_name: '' },
      };
    }
    return { type: 'text_link', offset, length: 0, url };
  }
  if (name === 'tg-emoji' && attrs['emoji-id'])
    return { type: 'custom_emoji', offset, length: 0, custom_emoji_id: attrs['emoji-id'] };
  return undefined;
}

function parseAttributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const m of source.replace(/\/$/, '').matchAll(re)) {
    attrs[m[1].toLowerCase()] = decodeAll(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function decodeAll(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (all, name: string) => {
    return decodeEntity(name) ?? all;
  });
}

function decodeEntity(name: string): string | undefined {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
  if (named[name]) return named[name];
  const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}
