import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';
import { AdminService } from '../admin/admin.service';

@Update()
export class AdminUpdate {
  constructor(
    private readonly admin: AdminService,
    private readonly i18n: I18nService,
  ) {}

  @Command('stats')
  async stats(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    if (!this.admin.isAdmin(ctx.from?.id)) return void (await ctx.reply(tr.t('admin-only')));
    const s = await this.admin.stats();
    // The percentage is computed here: Fluent ignores `style: "percent"` written in a catalogue.
    const cacheHitRatio =
      s.cacheHitRatio === null
        ? tr.t('stats-hit-ratio-none')
        : tr.t('stats-hit-ratio', { percent: Math.round(s.cacheHitRatio * 100) });
    await ctx.reply(
      tr.t('stats', {
        users: s.users,
        messages: s.messages,
        cacheHitRatio,
        rateLimited: s.rateLimited,
        pendingWrites: s.pendingWrites,
        outboundQueued: s.outboundQueued,
      }),
    );
  }

  @Command('broadcast')
  async broadcast(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    if (!this.admin.isAdmin(ctx.from?.id)) return void (await ctx.reply(tr.t('admin-only')));
    const text = (ctx.text ?? '').replace(/^\/broadcast(@\w+)?\s*/, '').trim();
    if (!text) return void (await ctx.reply(tr.t('broadcast-usage')));
    const chatId = ctx.chat!.id;
    const recipients = await this.admin.startBroadcast(text, (result) =>
      ctx.telegram.sendMessage(chatId, tr.t('broadcast-done', { ...result })),
    );
    await ctx.reply(tr.t('broadcast-started', { recipients }));
  }
}
