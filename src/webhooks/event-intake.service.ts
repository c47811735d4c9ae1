import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig } from '../bots/bot.types';
import type { EventOutcome } from '../metrics/metrics.constants';
import { ClaudeJobProducer } from '../queue/claude-job.producer';
import { ReplyService } from '../slack/reply.service';
import { AdmissionRepository, type DeliveryIds } from './admission.repository';
import type { UserMessage } from './event-router';
import { keptInRedis } from './kept-in-redis';
import { ThreadRepository } from './thread.repository';

/**
 * Turns a message worth answering into exactly one job: drops follow-ups in threads the bot is not
 * in, Slack's retries and twins, and messages over the user's rate limit. Only quick Redis calls run
 * here, so Slack gets its answer in milliseconds.
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
      const ids: DeliveryIds = {
        botId: bot.id,
        eventId,
        teamId: message.teamId,
        channel: message.channel,
        ts: message.ts,
        user: message.user,
      };
      const admission = await this.admission.admit(ids);
      if (admission === 'duplicate') return 'duplicate';
      if (admission !== 'admitted') {
        if (admission === 'rate_limited_first') this.noticeRateLimit(bot, message);
        return 'rate_limited';
      }
      await this.enqueue(bot, eventId, message, ids);
      return 'enqueued';
    });
  }

  private async enqueue(bot: BotConfig, eventId: string, message: UserMessage, ids: DeliveryIds): Promise<void> {
    try {
      const jobId = await this.producer.enqueue({
        botId: bot.id,
        teamId: message.teamId,
        channel: message.channel,
        threadTs: message.threadTs,
        messageTs: message.ts,
        user: message.user,
        text: message.text,
        eventId,
        ...(message.files.length > 0 ? { files: message.files } : {}),
      });
      await this.admission.keep(ids, message.threadTs);
      this.logger.debug({ bot: bot.id, eventId, jobId }, 'job queued');
    } catch (error) {
      await this.admission.release(ids).catch((releaseError: unknown) => {
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
