import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { I18nService } from './i18n.service';

/** Translations (English, Russian) and the language of each user. */
@Module({
  imports: [UsersModule],
  providers: [I18nService],
  exports: [I18nService],
})
export class I18nModule {}
