import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import type { MessageId } from '../../i18n/i18n.messages';
import { I18nService } from '../../i18n/i18n.service';
import type { Campaign } from '../../broadcasts/campaign';
import { AdminService } from '../admin/admin.service';
import { commandArgument } from '../admin/command-argument';

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
        activeUsers: s.activeUsers,
        blockedUsers: s.blockedUsers,
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
    const message = ctx.message;
    if (!message || !('text' in message)) return;
    const { text, entities } = commandArgument(message.text, message.entities);
    if (!text) return void (await ctx.reply(tr.t('broadcast-usage')));
    const campaign = await this.admin.startBroadcast({
      text,
      entities: entities.length ? entities : null,
      chatId: message.chat.id,
      messageId: message.message_id,
      language: tr.language,
    });
    if (!campaign) return void (await ctx.reply(tr.t('broadcast-busy')));
    const status = await ctx.reply(this.admin.statusText(campaign));
    await this.admin.statusMessageSent(campaign, status.message_id);
  }

  @Command('broadcast_pause')
  pause(@Ctx() ctx: Context): Promise<void> {
    return this.control(
      ctx,
      () => this.admin.pauseBroadcast(),
      'broadcast-paused',
      'broadcast-none-running',
    );
  }

  @Command('broadcast_resume')
  resume(@Ctx() ctx: Context): Promise<void> {
    return this.control(
      ctx,
      () => this.admin.resumeBroadcast(),
      'broadcast-resumed',
      'broadcast-none-paused',
    );
  }

  @Command('broadcast_cancel')
  cancel(@Ctx() ctx: Context): Promise<void> {
    return this.control(
      ctx,
      () => this.admin.cancelBroadcast(),
      'broadcast-cancelled',
      'broadcast-none-active',
    );
  }

  private async control(
    ctx: Context,
    change: () => Promise<Campaign | null>,
    done: MessageId,
    none: MessageId,
  ): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    if (!this.admin.isAdmin(ctx.from?.id)) return void (await ctx.reply(tr.t('admin-only')));
    await ctx.reply(tr.t((await change()) ? done : none));
  }
}
