import { bold, type FmtString } from 'telegraf/format';
import type { User } from 'telegraf/types';
import type { Translator } from '../../i18n/i18n.service';
import type { UserProfile } from '../../users/user-profile';

/**
 * Replies that carry user data, built as text + entities (telegraf/format): names are never parsed
 * as markup, so no escaping exists to get wrong.
 */
export function welcomeReply(tr: Translator, from: User | undefined): FmtString {
  const name = from?.first_name;
  return tr.fmt('welcome', { name: name ? bold(name) : tr.t('welcome-name-fallback') });
}

/** The profile as /me shows it; `displayName` (set in /settings) goes before the Telegram name. */
export function profileReply(
  tr: Translator,
  p: UserProfile,
  displayName: string | null = null,
): FmtString {
  const name = displayName ?? p.firstName;
  const params = {
    name: name ? bold(name) : tr.t('profile-name-fallback'),
    messages: p.messageCount,
    firstSeen: new Date(p.firstSeenAt).toISOString(),
    lastSeen: new Date(p.lastSeenAt).toISOString(),
  };
  return p.username
    ? tr.fmt('profile-with-username', { ...params, username: p.username })
    : tr.fmt('profile', params);
}
