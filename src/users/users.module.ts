import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BotCacheModule } from '../cache/cache.module';
import { LanguagePreferenceService } from './language-preference.service';
import { UserEntity } from './user.entity';
import { UsersService } from './users.service';

/** Telegram users who talked to the bot. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), BotCacheModule],
  providers: [UsersService, LanguagePreferenceService],
  exports: [UsersService, LanguagePreferenceService],
})
export class UsersModule {}
