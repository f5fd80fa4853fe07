import { Telegraf } from 'telegraf';
import { baselineEnv, exitOn } from './env';

// Bare Telegraf: launch() polling, one reply per update, no storage. Written the way the
// Telegraf README does it, so the agent is Telegraf's default for the API root.
const { token, apiRoot } = baselineEnv();
const bot = new Telegraf(token, { telegram: { apiRoot } });

bot.on('callback_query', async (ctx) => {
  await ctx.answerCbQuery();
  await ctx.reply('ok');
});
bot.on('message', async (ctx) => {
  await ctx.reply('text' in ctx.message ? ctx.message.text : 'ok');
});

bot.launch({ allowedUpdates: ['message', 'callback_query'] }).catch((error: unknown) => {
  process.stderr.write(`telegraf echo: ${String(error)}\n`);
  process.exit(1);
});
exitOn(() => bot.stop('SIGTERM'));
