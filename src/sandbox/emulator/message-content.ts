import { parseTelegramHtml } from './telegram-html';
import type { TgEntity, TgInlineButton, TgInlineKeyboard } from './telegram.types';
import { BotApiError, jsonParam } from './wire';

const MAX_TEXT = 4096;
const MAX_CALLBACK_DATA_BYTES = 64;

/** A message's text and entities from `text`, `parse_mode` and `entities`, checked like Telegram. */
export function messageText(params: Record<string, any>): { text: string; entities?: TgEntity[] } {
  if (params.text === undefined || params.text === null)
    throw BotApiError.badRequest('message text is empty');
  const raw = String(params.text);
  const mode = typeof params.parse_mode === 'string' ? params.parse_mode : '';
  let parsed: { text: string; entities: TgEntity[] };
  if (mode.toLowerCase() === 'html') parsed = parseTelegramHtml(raw);
  else if (mode === '') parsed = { text: raw, entities: explicitEntities(params.entities, raw) };
  else if (/^markdown(v2)?$/i.test(mode))
    throw BotApiError.badRequest(`the emulator supports parse_mode HTML only, not ${mode}`);
  else throw BotApiError.badRequest('unsupported parse_mode');
  if (parsed.text.trim() === '') throw BotApiError.badRequest('message text is empty');
  if (parsed.text.length > MAX_TEXT) throw BotApiError.badRequest('message is too long');
  return parsed.entities.length > 0 ? parsed : { text: parsed.text };
}

function explicitEntities(value: unknown, text: string): TgEntity[] {
  const list = jsonParam<TgEntity[]>(value);
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw BotApiError.badRequest("can't parse entities JSON object");
  return list.filter(
    (e) =>
      typeof e?.type === 'string' &&
      Number.isInteger(e.offset) &&
      Number.isInteger(e.length) &&
      e.offset >= 0 &&
      e.length > 0 &&
      e.offset + e.length <= text.length,
  );
}

/**
 * The inline keyboard of `reply_markup`, validated like Telegram; undefined when there is none.
 * Reply keyboards (`keyboard`, `remove_keyboard`, `force_reply`) are accepted and not kept: the
 * sandbox page shows inline keyboards only.
 */
export function inlineKeyboard(value: unknown): TgInlineKeyboard | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const markup = jsonParam<Record<string, unknown>>(value);
  if (!markup || typeof markup !== 'object')
    throw BotApiError.badRequest("can't parse reply keyboard markup JSON object");
  if (!('inline_keyboard' in markup)) {
    if ('keyboard' in markup || 'remove_keyboard' in markup || 'force_reply' in markup)
      return undefined;
    throw BotApiError.badRequest('unsupported reply_markup');
  }
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row)))
    throw BotApiError.badRequest(
      'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
  const keyboard = (rows as unknown[][])
    .map((row) => row.map(inlineButton))
    .filter((row) => row.length > 0);
  return keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined;
}

/** What an inline button can do; Telegram drops any other field (Telegraf adds `hide`). */
const BUTTON_KINDS = [
  'callback_data',
  'url',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

function inlineButton(value: unknown): TgInlineButton {
  const button = value as TgInlineButton;
  if (!button || typeof button.text !== 'string' || button.text === '')
    throw BotApiError.badRequest("can't parse inline keyboard button: Text must be non-empty");
  const kinds = BUTTON_KINDS.filter((k) => button[k] !== undefined);
  if (kinds.length !== 1)
    throw BotApiError.badRequest(
      kinds.length === 0
        ? "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        : "can't parse inline keyboard button: exactly one of the optional fields must be used",
    );
  const data = button.callback_data;
  if (
    data !== undefined &&
    (typeof data !== 'string' || data === '' || Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES)
  )
    throw BotApiError.badRequest('BUTTON_DATA_INVALID');
  if (button.url !== undefined && !/^(https?|tg):\/\//i.test(String(button.url)))
    throw BotApiError.badRequest('inline keyboard button URL is invalid');
  return { text: button.text, [kinds[0]]: button[kinds[0]] };
}

/** The bot_command entities Telegram adds to a user's text. */
export function commandEntities(text: string): TgEntity[] {
  const entities: TgEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s)/g)) {
    entities.push({ type: 'bot_command', offset: m.index + m[1].length, length: m[2].length });
  }
  return entities;
}
