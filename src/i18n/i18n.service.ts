import { Injectable, Logger } from '@nestjs/common';
import type { FmtString } from 'telegraf/format';
import type { User } from 'telegraf/types';
import { atMostEvery } from '../common/at-most-every';
import { errorMessage } from '../common/error-message';
import { LanguagePreferenceService } from '../users/language-preference.service';
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

/** At most one "preference unreadable" warning per this interval during a database outage. */
const WARN_EVERY_MS = 30_000;

/**
 * Every user-facing text: `t`/`fmt` with an explicit language, and `languageOf` to pick it for a
 * user (their stored choice, then Telegram's language_code, then English).
 */
@Injectable()
export class I18nService {
  private readonly logger = new Logger(I18nService.name);
  private readonly translations = new Translations();
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);

  constructor(private readonly preferences: LanguagePreferenceService) {}

  t(language: Language, id: MessageId, params?: TextParams): string {
    return this.translations.t(language, id, params);
  }

  fmt(language: Language, id: MessageId, params?: FmtParams): FmtString {
    return this.translations.fmt(language, id, params);
  }

  /** The language to answer `user` in. Never rejects: an unreadable choice falls back. */
  async languageOf(user: Recipient | undefined): Promise<Language> {
    if (!user) return resolveLanguage(null, null);
    let preferred: string | null = null;
    try {
      preferred = await this.preferences.get(user.id);
    } catch (error) {
      if (this.warnGate()) {
        this.logger.warn(`language choice unreadable, using language_code: ${errorMessage(error)}`);
      }
    }
    return resolveLanguage(preferred, user.language_code);
  }

  /** A translator for `user`'s language. */
  async translatorFor(user: Recipient | undefined): Promise<Translator> {
    return this.translator(await this.languageOf(user));
  }

  translator(language: Language): Translator {
    return {
      language,
      t: (id, params) => this.translations.t(language, id, params),
      fmt: (id, params) => this.translations.fmt(language, id, params),
    };
  }
}
