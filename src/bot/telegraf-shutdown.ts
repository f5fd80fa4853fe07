import type { Context, Telegraf } from 'telegraf';

/**
 * The one place this project changes a Telegraf instance's method, for want of a supported hook:
 * nestjs-telegraf's onApplicationShutdown calls `bot.stop()`, and Telegraf throws "Bot is not
 * running!" for a bot that was never launch()ed (we feed it updates ourselves), which would abort
 * Nest's shutdown before TypeORM closes. Upstream: nestjs-telegraf issue #1079 (fix proposed in
 * PR #1349); remove this once a release has it.
 */
export function tolerateStopWithoutLaunch(bot: Telegraf<Context>): void {
  const stop = bot.stop.bind(bot);
  bot.stop = (reason?: string) => {
    try {
      stop(reason);
    } catch {
      // never launched: nothing to stop
    }
  };
}
