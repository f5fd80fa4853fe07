import { Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { BlockedUsersService } from '../../users/blocked-users.service';

/**
 * `my_chat_member` in a private chat: the user blocked the bot ("kicked") or unblocked it
 * ("member"). Broadcasts skip blocked users; groups are not users, so their changes are ignored.
 */
@Update()
export class ChatMemberUpdate {
  constructor(private readonly blocked: BlockedUsersService) {}

  @On('my_chat_member')
  async myChatMember(@Ctx() ctx: Context): Promise<void> {
    const change = ctx.myChatMember;
    if (!change || change.chat.type !== 'private') return;
    const status = change.new_chat_member.status;
    if (status === 'kicked') await this.blocked.markBlocked([change.from.id]);
    else if (status === 'member') await this.blocked.markUnblocked(change.from.id);
  }
}
