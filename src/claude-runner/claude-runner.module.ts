import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { SlackModule } from '../slack/slack.module';
import { BudgetGate } from './budget-gate';
import { ClaudeCliRunner } from './claude-cli.runner';
import { ClaudeJobProcessor } from './claude-job.processor';
import { JobAttemptRepository } from './job-attempt.repository';
import { JobPrompts } from './job-prompt.service';
import { JobSequencer } from './job-sequencer';
import { SessionService } from './session.service';
import { JobFailureNotice } from './job-failure-notice';
import { JobFiles } from './job-files';
import { JobReport } from './job-report';
import { SessionRepository } from './session.repository';
import { SpendRepository } from './spend.repository';
import { TranscriptRepository } from './transcript.repository';

@Module({
  imports: [QueueModule, SlackModule],
  providers: [
    ClaudeJobProcessor,
    JobSequencer,
    JobAttemptRepository,
    JobPrompts,
    SessionService,
    ClaudeCliRunner,
    SessionRepository,
    SpendRepository,
    BudgetGate,
    JobReport,
    JobFailureNotice,
    TranscriptRepository,
    JobFiles,
  ],
  exports: [ClaudeJobProcessor],
})
export class ClaudeRunnerModule {}
