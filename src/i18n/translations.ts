import { FluentBundle, FluentResource } from '@fluent/bundle';
import { Logger } from '@nestjs/common';
import { fmt, type FmtString } from 'telegraf/format';
import { LANGUAGES, type Language } from './i18n.languages';
import { CATALOGUES, type MessageId } from './i18n.messages';

/** Variables of a plain-text message: numbers are formatted for the language (and pick plurals). */
export type TextParams = Record<string, string | number>;
/** Variables of a formatted message: strings and FmtStrings (bold(name), code(…)) are kept literal. */
export type FmtParams = Record<string, string | number | FmtString>;

/**
 * Fluent formats to a string only. To build Telegram entities around variables, each string or
 * FmtString variable is formatted as a private-use marker (no catalogue contains one, see the
 * catalogue spec), and telegraf/format joins the pieces between markers with the values, which
 * computes the entities' offsets. User data is never parsed by anyone: no escaping is needed.
 */
const MARKER = /\uE000(\d+)\uE001/;
const marker = (index: number) => `\uE000${index}\uE001`;

/** The catalogues, formatted with an explicit language (no DI: tests and scripts use it as is). */
export class Translations {
  private readonly logger = new Logger('I18n');
  private readonly bundles = new Map<Language, FluentBundle>();
  private readonly reported = new Set<string>();

  constructor(catalogues: Record<Language, string> = CATALOGUES) {
    for (const language of LANGUAGES) {
      // No bidi isolation marks around variables: Telegram clients lay out mixed text themselves.
      const bundle = new FluentBundle(language, { useIsolating: false });
      const errors = bundle.addResource(new FluentResource(catalogues[language]));
      if (errors.length) {
        throw new Error(`catalogue ${language}: ${errors.map((e) => e.message).join('; ')}`);
      }
      this.bundles.set(language, bundle);
    }
  }

  /** The message `id` in `language` as plain text. */
  t(language: Language, id: MessageId, params?: TextParams): string {
    const bundle = this.bundles.get(language)!;
    const pattern = bundle.getMessage(id)?.value;
    if (!pattern) {
      this.report(language, id, 'missing');
      return id;
    }
    const errors: Error[] = [];
    const text = bundle.formatPattern(pattern, params, errors);
    // Variable names only: the values may be user data.
    if (errors.length) this.report(language, id, errors.map((e) => e.message).join('; '));
    return text;
  }

  /** The message `id` in `language` as text + entities, for ctx.reply / sendMessage. */
  fmt(language: Language, id: MessageId, params: FmtParams = {}): FmtString {
    const values: (string | FmtString)[] = [];
    const args: TextParams = {};
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'number') args[name] = value;
      else args[name] = marker(values.push(value) - 1);
    }
    const pieces = this.t(language, id, args).split(MARKER);
    // split() with a capture group alternates literal text and marker indexes.
    const literals = pieces.filter((_, i) => i % 2 === 0);
    const items = pieces.filter((_, i) => i % 2 === 1).map((index) => values[Number(index)]);
    return fmt(literals, ...items);
  }

  /** A broken catalogue is a programming error: reported once per message, never per update. */
  private report(language: Language, id: string, problem: string): void {
    const key = `${language}:${id}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger.error(`message ${id} (${language}): ${problem}`);
  }
}
