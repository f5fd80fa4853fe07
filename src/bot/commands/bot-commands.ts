import type { MessageId } from '../../i18n/i18n.messages';

/** A command as shown in Telegram's "/" menu; its description is translated. */
export interface MenuCommand {
  command: string;
  description: MessageId;
}

/** Everyone's menu. A new command gets a line here and a `command-…` text in every catalogue. */
export const USER_COMMANDS: readonly MenuCommand[] = [
  { command: 'start', description: 'command-start' },
  { command: 'help', description: 'command-help' },
  { command: 'me', description: 'command-me' },
  { command: 'settings', description: 'command-settings' },
];

/** The menu of ADMIN_USER_ID's chats with the bot: the user commands, then the admin tools. */
export const ADMIN_COMMANDS: readonly MenuCommand[] = [
  ...USER_COMMANDS,
  { command: 'stats', description: 'command-stats' },
  { command: 'broadcast', description: 'command-broadcast' },
  { command: 'broadcast_pause', description: 'command-broadcast-pause' },
  { command: 'broadcast_resume', description: 'command-broadcast-resume' },
  { command: 'broadcast_cancel', description: 'command-broadcast-cancel' },
];
