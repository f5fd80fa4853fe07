import { Context, type Scenes, type Telegram } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';

/** The client each update's handlers are to get, set by the dispatcher just before it runs. */
const clients = new WeakMap<Update, Telegram>();

/** Makes `telegram` the `ctx.telegram` of the context Telegraf creates for `update`. */
export function useClientFor(update: Update, telegram: Telegram): void {
  clients.set(update, telegram);
}

/**
 * The bot's context class (Telegraf's `contextType` option): a plain Telegraf Context whose
 * `telegram` is the update's own client (its outbox and flood control, see UpdateTelegram)
 * instead of the ungoverned one `handleUpdate` creates for every update.
 */
export class BotContext extends Context {
  constructor(update: Update, telegram: Telegram, botInfo: UserFromGetMe) {
    super(update, clients.get(update) ?? telegram, botInfo);
  }
}

/**
 * A handler's context inside a wizard (`@Wizard()` classes): the bot's context with the session,
 * `scene` and `wizard` that nestjs-telegraf's Stage adds (see src/bot/bot-middlewares.ts).
 */
export type BotWizardContext<S extends Scenes.WizardSessionData = Scenes.WizardSessionData> =
  BotContext & Scenes.WizardContext<S>;

/** A handler's context inside a scene (`@Scene()` classes). */
export type BotSceneContext<S extends Scenes.SceneSessionData = Scenes.SceneSessionData> =
  BotContext & Scenes.SceneContext<S>;
