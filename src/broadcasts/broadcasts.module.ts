import { Module } from '@nestjs/common';
import { I18nModule } from '../i18n/i18n.module';
import { OutboundModule } from '../outbound/outbound.module';
import { UsersModule } from '../users/users.module';
import { BroadcastsService } from './broadcasts.service';
import { CampaignStatus } from './campaign-status';
import { CampaignWatchTask } from './campaign-watch.task';
import { CampaignStore } from './campaign.store';

/** Broadcast campaigns: the `broadcast_campaigns` table, its runner and the admin's status message. */
@Module({
  imports: [UsersModule, I18nModule, OutboundModule],
  providers: [CampaignStore, CampaignStatus, CampaignWatchTask, BroadcastsService],
  exports: [BroadcastsService],
})
export class BroadcastsModule {}
