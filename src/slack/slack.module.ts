import { Module } from '@nestjs/common';
import { SlackClientFactory } from './slack-client.factory';
import { SlackFilesService } from './slack-files.service';
import { SlackService } from './slack.service';
import { ThreadHistoryService } from './thread-history.service';

@Module({
  providers: [SlackClientFactory, SlackService, ThreadHistoryService, SlackFilesService],
  exports: [SlackService, ThreadHistoryService, SlackFilesService],
})
export class SlackModule {}
