import { Injectable, Module } from '@nestjs/common';
import { session, type Context, type Middleware } from 'telegraf';
import { MessagesModule } from '../messages/messages.module';
import { MessagesService } from '../messages/messages.service';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { InjectSessionStore, SessionsModule } from '../sessions/sessions.module';
import type { BotSessionStore } from '../sessions/session-value';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { recordActivity } from './intake/record-activity.middleware';

/**
 * The middleware every update passes, in order, before nestjs-telegraf's Stage (scenes) and the
 * `@Update()` handlers: TelegrafModule's `middlewares` option, which Telegraf `bot.use`s when it
 * creates the bot. A fork adds its own middleware or Telegraf plugin at the end of `list()`.
 */
@Injectable()
export class BotMiddlewares {
  constructor(
    private readonly rateLimit: RateLimitService,
    private readonly messages: MessagesService,
    private readonly users: UsersService,
    @InjectSessionStore() private readonly sessions: BotSessionStore,
  ) {}

  list(): Middleware<Context>[] {
    return [
      // An update over the limit stops here: not stored, no session read.
      this.rateLimit.middleware(),
      recordActivity(this.messages, this.users),
      // ctx.session, keyed by user and chat; the Stage keeps scene and wizard state in it.
      session({ store: this.sessions }),
    ];
  }
}

/** Provides BotMiddlewares to TelegrafModule's options factory. */
@Module({
  imports: [RateLimitModule, MessagesModule, UsersModule, SessionsModule],
  providers: [BotMiddlewares],
  exports: [BotMiddlewares],
})
export class BotMiddlewaresModule {}
