import type { Logger } from 'pino';
import type { BotConfig } from '../bots/bot.types';
import type { RunClaudeJobData } from '../queue/queue.types';
import type { AskingMessage } from '../slack/reply.service';
import type { JobAttempt } from './job-attempt.repository';
import type { JobSummary } from './job-report';
import type { Thread } from './session.service';

/** What the processor hands over: the job and its abort signal. */
export interface JobContext {
  readonly id: string;
  readonly data: RunClaudeJobData;
  readonly enqueuedAt: number;
  readonly signal?: AbortSignal;
  readonly log: Logger;
}

export type Ending = Omit<JobSummary, 'botId' | 'durationMs' | 'waitMs' | 'prompt'>;

/** The run a job is in when its attempt starts: a new one, or one to pick up where an attempt stopped. */
export interface Step {
  readonly bot: BotConfig;
  readonly context: JobContext;
  readonly thread: Thread;
  readonly asking: AskingMessage;
  readonly attempt: JobAttempt;
}
