import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { BotRegistry } from '../bots/bot-registry';
import type { RunClaudeJobData } from '../queue/queue.types';
import { ReplyService } from '../slack/reply.service';
import { JobAttemptRepository } from './job-attempt.repository';

/** The visible outcome of a job that failed for good outside the normal path: never silence. */
@Injectable()
export class JobFailureNotice {
  constructor(
    private readonly registry: BotRegistry,
    private readonly attempts: JobAttemptRepository,
    private readonly replies: ReplyService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(JobFailureNotice.name);
  }

  async tell(jobId: string, data: RunClaudeJobData, error: Error): Promise<void> {
    const bot = this.registry.find(data.botId);
    if (!bot) return;
    this.logger.error({ err: error, bot: bot.id, eventId: data.eventId }, 'job failed for good');
    try {
      const attempt = await this.attempts.load(bot.id, jobId);
      if (attempt.phase === 'done') return;
      const thread = { channel: data.channel, threadTs: data.threadTs };
      await this.replies.gaveUp(bot, thread, { channel: data.channel, ts: data.messageTs }, attempt.progressTs);
      await this.attempts.record(bot.id, jobId, { phase: 'done', outcome: 'failed', answer: undefined });
    } catch (postError) {
      this.logger.error({ err: postError, bot: bot.id }, 'could not tell the thread that the job failed');
    }
  }
}
