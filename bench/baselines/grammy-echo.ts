import { run } from '@grammyjs/runner';
import { Bot } from 'grammy';
import { baselineEnv, exitOn } from './env';

// Bare grammY with @grammyjs/runner (concurrent, default sink of 500): one reply per update, no
// storage. Long-poll timeout 30 s like ours.
const { token, apiRoot } = baselineEnv();
const bot = new Bot(token, { client: { apiRoot } });

bot.on('callback_query', async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply('ok');
});
bot.on('message', async (ctx) => {
  await ctx.reply(ctx.message.text ?? 'ok');
});
bot.catch((error) => process.stderr.write(`grammy echo: ${String(error.error)}\n`));

const runner = run(bot, {
  runner: { fetch: { timeout: 30, allowed_updates: ['message', 'callback_query'] } },
});
exitOn(() => (runner.isRunning() ? runner.stop() : undefined));
