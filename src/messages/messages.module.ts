import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BatchModule } from '../batch/batch.module';
import { MessageEntity } from './message.entity';
import { MessagesService } from './messages.service';
import { messagesTable } from './messages.table';

/** Messages users sent to the bot. */
@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity]), BatchModule.forFeature(messagesTable)],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
