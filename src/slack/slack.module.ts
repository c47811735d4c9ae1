import { Module } from '@nestjs/common';
import { SlackClientFactory } from './slack-client.factory';
import { SlackService } from './slack.service';

@Module({
  providers: [SlackClientFactory, SlackService],
  exports: [SlackService],
})
export class SlackModule {}
