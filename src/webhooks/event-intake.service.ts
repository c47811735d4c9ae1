import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig } from '../bots/bot.types';
import type { EventOutcome } from '../metrics/metrics.constants';
import { ClaudeJobProducer } from '../queue/claude-job.producer';
import { SlackService } from '../slack/slack.service';
import { DedupeRepository, type DeliveryIds } from './dedupe.repository';
import type { UserMessage } from './event-router';
import { RateLimitRepository } from './rate-limit.repository';
import { ThreadRepository } from './thread.repository';
import { EventNotKeptError } from './webhooks.errors';

/**
 * Turns a message worth answering into exactly one job: drops follow-ups in threads the bot is not
 * in, Slack's retries and twins, and messages over the user's rate limit. Only quick Redis calls run
 * here, so Slack gets its answer in milliseconds.
 */
@Injectable()
export class EventIntake {
  constructor(
    private readonly dedupe: DedupeRepository,
    private readonly rateLimit: RateLimitRepository,
    private readonly threads: ThreadRepository,
    private readonly producer: ClaudeJobProducer,
    private readonly slack: SlackService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(EventIntake.name);
  }

  async take(bot: BotConfig, eventId: string, message: UserMessage, onlyIfInThread: boolean): Promise<EventOutcome> {
    return this.keepingState(async () => {
      if (onlyIfInThread && !(await this.threads.isActive(bot.id, message.channel, message.threadTs))) return 'ignored';
      const ids: DeliveryIds = {
        botId: bot.id,
        eventId,
        teamId: message.teamId,
        channel: message.channel,
        ts: message.ts,
      };
      if (!(await this.dedupe.claim(ids))) return 'duplicate';
      const verdict = await this.rateLimit.hit(bot.id, message.user);
      if (!verdict.allowed) {
        await this.dedupe.confirm(ids);
        if (verdict.notify) this.noticeRateLimit(bot, message);
        return 'rate_limited';
      }
      await this.enqueue(bot, eventId, message, ids);
      return 'accepted';
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
      });
      await this.threads.markActive(bot.id, message.channel, message.threadTs);
      await this.dedupe.confirm(ids);
      this.logger.info({ bot: bot.id, eventId, jobId }, 'job queued');
    } catch (error) {
      await this.dedupe.release(ids).catch((releaseError: unknown) => {
        this.logger.warn({ err: releaseError, bot: bot.id, eventId }, 'could not release the dedupe claim');
      });
      throw error;
    }
  }

  /** The notice is a courtesy: it must not hold up Slack's answer, and its failure is only logged. */
  private noticeRateLimit(bot: BotConfig, message: UserMessage): void {
    const text = "You're sending requests faster than I can take them. Please wait a minute and try again.";
    this.slack
      .postEphemeral(bot, { channel: message.channel, threadTs: message.threadTs }, message.user, text)
      .catch((error: unknown) => this.logger.warn({ err: error, bot: bot.id }, 'could not send the rate-limit notice'));
  }

  /** Any Redis failure means the event was not kept: Slack must retry it. */
  private async keepingState(work: () => Promise<EventOutcome>): Promise<EventOutcome> {
    try {
      return await work();
    } catch (error) {
      throw new EventNotKeptError('the event could not be kept in Redis', { cause: error });
    }
  }
}
