import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { SlackModule } from '../slack/slack.module';
import { ClaudeCliRunner } from './claude-cli.runner';
import { ClaudeJobProcessor } from './claude-job.processor';
import { ClaudeJobService } from './claude-job.service';
import { ClaudeProcessAdapter } from './claude-process.adapter';
import { SessionRepository } from './session.repository';

@Module({
  imports: [QueueModule, SlackModule],
  providers: [ClaudeJobProcessor, ClaudeJobService, ClaudeCliRunner, ClaudeProcessAdapter, SessionRepository],
  exports: [ClaudeJobProcessor],
})
export class ClaudeRunnerModule {}
