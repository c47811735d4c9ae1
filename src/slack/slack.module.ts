import { Module } from '@nestjs/common';
import { ReplyService } from './reply.service';
import { SlackClientFactory } from './slack-client.factory';
import { SlackFilesService } from './slack-files.service';
import { SlackService } from './slack.service';
import { ThreadHistoryService } from './thread-history.service';

@Module({
  providers: [SlackClientFactory, SlackService, ReplyService, ThreadHistoryService, SlackFilesService],
  exports: [SlackService, ReplyService, ThreadHistoryService, SlackFilesService],
})
export class SlackModule {}
