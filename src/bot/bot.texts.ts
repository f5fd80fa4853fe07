import { Markup } from 'telegraf';
import type { UserProfile } from '../users/user-profile';

/** Every text the reference bot sends, in one place so a fork can translate or restyle them. */
export const texts = {
  welcome: (name: string) =>
    `Welcome, ${name}! I keep your messages and a small profile.\nTap a button below or send /help.`,
  help: [
    'Commands:',
    '/start - register and show the menu',
    '/me - your profile',
    '/help - this list',
    'Anything else you send is saved.',
  ].join('\n'),
  saved: 'Saved.',
  received: 'Received.',
  unknownCommand: 'Unknown command. Send /help for the list.',
  noProfile: 'No profile yet: send /start first.',
  expiredButton: 'This button has expired.',
  adminOnly: 'Sorry, this command is for the bot administrators.',
  broadcastUsage: 'Usage: /broadcast <text>',
  broadcastStarted: (recipients: number) => `Broadcast started to ${recipients} users.`,
  broadcastDone: (r: { sent: number; failed: number; blocked: number }) =>
    `Broadcast finished: ${r.sent} sent, ${r.failed} failed, ${r.blocked} blocked the bot.`,
  profile: (p: UserProfile) =>
    [
      `Profile of ${p.firstName ?? 'you'}${p.username ? ` (@${p.username})` : ''}`,
      `Messages: ${p.messageCount}`,
      `First seen: ${new Date(p.firstSeenAt).toISOString()}`,
      `Last seen: ${new Date(p.lastSeenAt).toISOString()}`,
    ].join('\n'),
};

export const MENU_PROFILE = 'menu:profile';
export const MENU_HELP = 'menu:help';

export const mainMenu = () =>
  Markup.inlineKeyboard([
    Markup.button.callback('Profile', MENU_PROFILE),
    Markup.button.callback('Help', MENU_HELP),
  ]);
