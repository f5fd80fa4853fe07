import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BotCacheModule } from '../cache/cache.module';
import { UserEntity } from './user.entity';
import { UsersService } from './users.service';

/** Telegram users who talked to the bot. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), BotCacheModule],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
