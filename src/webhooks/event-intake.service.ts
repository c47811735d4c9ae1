import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig } from '../bots/bot.types';
import type { EventOutcome } from '../metrics/metrics.constants';
import { ClaudeJobProducer } from '../queue/claude-job.producer';
import { ReplyService } from '../slack/reply.service';
import { AdmissionRepository, type Claim } from './admission.repository';
import type { UserMessage } from './event-router';
import { keptInRedis } from './kept-in-redis';
import { deliveryIdsOf, jobDataOf } from './message-job';
import { ThreadRepository } from './thread.repository';

/**
 * Turns a message worth answering into exactly one job: drops follow-ups in threads the bot is not
 * in, Slack's retries and twins, and messages over the user's rate limit. Only quick Redis calls run
 * here, so Slack gets its answer in milliseconds. Slack hears 200 only once the job is in the queue.
 */
@Injectable()
export class EventIntake {
  constructor(
    private readonly admission: AdmissionRepository,
    private readonly threads: ThreadRepository,
    private readonly producer: ClaudeJobProducer,
    private readonly replies: ReplyService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(EventIntake.name);
  }

  async take(bot: BotConfig, eventId: string, message: UserMessage, onlyIfInThread: boolean): Promise<EventOutcome> {
    return keptInRedis(async () => {
      if (onlyIfInThread && !(await this.threads.isActive(bot.id, message.channel, message.threadTs))) {
        return 'ignored_other';
      }
      const admission = await this.admission.admit(deliveryIdsOf(bot.id, eventId, message));
      switch (admission.verdict) {
        case 'duplicate':
          return 'duplicate';
        case 'rate_limited_first':
          this.noticeRateLimit(bot, message);
          return 'rate_limited';
        case 'rate_limited':
          return 'rate_limited';
        case 'taken_over':
          this.logger.info({ bot: bot.id, eventId }, 'an earlier delivery of this message kept no job: queuing it');
          return this.enqueue(bot, eventId, message, admission.claim);
        case 'admitted':
          return this.enqueue(bot, eventId, message, admission.claim);
      }
    });
  }

  /** `duplicate` when another delivery of the message took the claim over meanwhile: it keeps the job. */
  private async enqueue(
    bot: BotConfig,
    eventId: string,
    message: UserMessage,
    claim: Claim,
  ): Promise<'enqueued' | 'duplicate'> {
    try {
      const jobId = await this.producer.enqueue(jobDataOf(bot.id, eventId, message));
      const kept = await this.admission.keep(claim, message.threadTs);
      this.logger.debug({ bot: bot.id, eventId, jobId, kept }, 'job queued');
      return kept ? 'enqueued' : 'duplicate';
    } catch (error) {
      await this.admission.release(claim).catch((releaseError: unknown) => {
        this.logger.warn({ err: releaseError, bot: bot.id, eventId }, 'could not release the dedupe claim');
      });
      throw error;
    }
  }

  /** The notice is a courtesy: it must not hold up Slack's answer, and its failure is only logged. */
  private noticeRateLimit(bot: BotConfig, message: UserMessage): void {
    this.replies
      .rateLimited(bot, { channel: message.channel, threadTs: message.threadTs }, message.user)
      .catch((error: unknown) => this.logger.warn({ err: error, bot: bot.id }, 'could not send the rate-limit notice'));
  }
}
