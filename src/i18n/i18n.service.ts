import { Injectable } from '@nestjs/common';
import type { FmtString } from 'telegraf/format';
import type { User } from 'telegraf/types';
import { UserPreferencesService } from '../users/user-preferences.service';
import { resolveLanguage, type Language } from './i18n.languages';
import type { MessageId } from './i18n.messages';
import { Translations, type FmtParams, type TextParams } from './translations';

/** Who a text is for: Telegram's `from` (only the id and language_code are read). */
export type Recipient = Pick<User, 'id' | 'language_code'>;

/** The catalogues bound to one language, for a handler that answers one user. */
export interface Translator {
  readonly language: Language;
  t(id: MessageId, params?: TextParams): string;
  fmt(id: MessageId, params?: FmtParams): FmtString;
}

/**
 * Every user-facing text: `t`/`fmt` with an explicit language, and `languageOf` to pick it for a
 * user (their stored choice, then Telegram's language_code, then English).
 */
@Injectable()
export class I18nService {
  private readonly translations = new Translations();

  constructor(private readonly preferences: UserPreferencesService) {}

  t(language: Language, id: MessageId, params?: TextParams): string {
    return this.translations.t(language, id, params);
  }

  fmt(language: Language, id: MessageId, params?: FmtParams): FmtString {
    return this.translations.fmt(language, id, params);
  }

  /** The language to answer `user` in (no I/O: the choices are held in memory). */
  languageOf(user: Recipient | undefined): Language {
    return resolveLanguage(user && this.preferences.language(user.id), user?.language_code);
  }

  /** A translator for `user`'s language. */
  translatorFor(user: Recipient | undefined): Translator {
    return this.translator(this.languageOf(user));
  }

  translator(language: Language): Translator {
    return {
      language,
      t: (id, params) => this.translations.t(language, id, params),
      fmt: (id, params) => this.translations.fmt(language, id, params),
    };
  }
}
