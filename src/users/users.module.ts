import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlockedUsersService } from './blocked-users.service';
import { BatchModule } from '../batch/batch.module';
import { BotCacheModule } from '../cache/cache.module';
import { UserPreferencesService } from './user-preferences.service';
import { UserEntity } from './user.entity';
import { UsersService } from './users.service';
import { usersTable } from './users.table';

/** Telegram users who talked to the bot. */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity]),
    BatchModule.forFeature(usersTable),
    BotCacheModule,
  ],
  providers: [UsersService, UserPreferencesService, BlockedUsersService],
  exports: [UsersService, UserPreferencesService, BlockedUsersService],
})
export class UsersModule {}
