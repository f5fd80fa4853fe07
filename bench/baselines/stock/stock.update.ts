import { InjectRepository } from '@nestjs/typeorm';
import { Action, Command, Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { Repository } from 'typeorm';
import { StockMessage, StockUser } from './stock.entities';

/**
 * Handlers as a typical nestjs-telegraf tutorial writes them: look the user up (no cache), insert
 * them when new, insert the message (one INSERT per message), then reply.
 */
@Update()
export class StockUpdate {
  constructor(
    @InjectRepository(StockUser) private readonly users: Repository<StockUser>,
    @InjectRepository(StockMessage) private readonly messages: Repository<StockMessage>,
  ) {}

  @Command('me')
  async me(@Ctx() ctx: Context): Promise<void> {
    const user = await this.remember(ctx);
    await ctx.reply(`You are ${user.firstName ?? 'unknown'} (${user.id})`);
  }

  // The data the bench sends: the reference bot's Profile button (see bench/update-stream.ts).
  @Action('menu:1:profile')
  async profile(@Ctx() ctx: Context): Promise<void> {
    await ctx.answerCbQuery();
    const user = await this.users.findOneBy({ id: String(ctx.from!.id) });
    await ctx.editMessageText(`You are ${user?.firstName ?? 'unknown'}`);
  }

  @On('message')
  async message(@Ctx() ctx: Context): Promise<void> {
    await this.remember(ctx);
    await ctx.reply('Saved.');
  }

  private async remember(ctx: Context): Promise<StockUser> {
    const from = ctx.from!;
    let user = await this.users.findOneBy({ id: String(from.id) });
    if (!user) {
      user = this.users.create({
        id: String(from.id),
        username: from.username ?? null,
        firstName: from.first_name,
      });
      await this.users.createQueryBuilder().insert().values(user).orIgnore().execute();
    }
    await this.messages.insert({
      updateId: ctx.update.update_id,
      userId: from.id,
      text: ctx.text ?? null,
    });
    return user;
  }
}
