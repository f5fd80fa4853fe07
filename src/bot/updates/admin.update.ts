import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { AdminService } from '../admin/admin.service';
import { texts } from '../bot.texts';

@Update()
export class AdminUpdate {
  constructor(private readonly admin: AdminService) {}

  @Command('stats')
  async stats(@Ctx() ctx: Context): Promise<void> {
    if (!this.admin.isAdmin(ctx.from?.id)) return void (await ctx.reply(texts.adminOnly));
    const s = await this.admin.stats();
    await ctx.reply(
      [
        `Users: ${s.users}`,
        `Messages: ${s.messages}`,
        `Cache hit ratio: ${s.cacheHitRatio === null ? 'n/a' : `${Math.round(s.cacheHitRatio * 100)}%`}`,
        `Rate limited: ${s.rateLimited}`,
        `Pending writes: ${s.pendingWrites}`,
        `Outbound queue: ${s.outboundQueued}`,
      ].join('\n'),
    );
  }

  @Command('broadcast')
  async broadcast(@Ctx() ctx: Context): Promise<void> {
    if (!this.admin.isAdmin(ctx.from?.id)) return void (await ctx.reply(texts.adminOnly));
    const text = (ctx.text ?? '').replace(/^\/broadcast(@\w+)?\s*/, '').trim();
    if (!text) return void (await ctx.reply(texts.broadcastUsage));
    const chatId = ctx.chat!.id;
    const recipients = await this.admin.startBroadcast(text, (result) =>
      ctx.telegram.sendMessage(chatId, texts.broadcastDone(result)),
    );
    await ctx.reply(texts.broadcastStarted(recipients));
  }
}
