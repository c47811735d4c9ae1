import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig } from '../bots/bot.types';
import type { EventOutcome } from '../metrics/metrics.constants';
import { ClaudeJobProducer } from '../queue/claude-job.producer';
import { JobStopper } from '../queue/job-stopper';
import { RATE_LIMITED_LINE, stoppedLine } from '../slack/reply-lines';
import { SlackService, type ThreadRef } from '../slack/slack.service';
import { AdmissionRepository, type DeliveryIds } from './admission.repository';
import type { StopTarget, UserMessage } from './event-router';
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
    private readonly admission: AdmissionRepository,
    private readonly threads: ThreadRepository,
    private readonly producer: ClaudeJobProducer,
    private readonly stopper: JobStopper,
    private readonly slack: SlackService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(EventIntake.name);
  }

  async take(bot: BotConfig, eventId: string, message: UserMessage, onlyIfInThread: boolean): Promise<EventOutcome> {
    return this.keepingState(async () => {
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

  /**
   * A stop request, decided here so that nothing is enqueued for it. Queued jobs go at once (and the
   * thread is told here); a running job is stopped by its worker, which says so in the thread.
   */
  async stop(bot: BotConfig, target: StopTarget, by: string, onlyIfInThread: boolean): Promise<EventOutcome> {
    return this.keepingState(async () => {
      const thread = await this.threadOf(bot, target, by);
      if (!thread) return 'ignored_other';
      if (onlyIfInThread && !(await this.threads.isActive(bot.id, thread.channel, thread.threadTs))) {
        return 'ignored_other';
      }
      const result = await this.stopper.stopThread(bot.id, thread.channel, thread.threadTs, by);
      this.logger.info({ bot: bot.id, by, ...result }, 'stop requested');
      if (result.signalled === 0) this.tellStopped(bot, thread, by, result.removed);
      return 'stop_requested';
    });
  }

  /** The thread a stop points at, when the user may stop it; a reaction names a message, whose job says who asked. */
  private async threadOf(bot: BotConfig, target: StopTarget, by: string): Promise<ThreadRef | undefined> {
    if (target.kind === 'thread') return { channel: target.channel, threadTs: target.threadTs };
    const job = await this.stopper.unfinishedJobOf(bot.id, target.teamId, target.channel, target.ts);
    if (!job) return undefined;
    const mayStop = job.user === by || bot.users.length === 0 || bot.users.includes(by);
    return mayStop ? { channel: job.channel, threadTs: job.threadTs } : undefined;
  }

  private tellStopped(bot: BotConfig, thread: ThreadRef, by: string, removed: number): void {
    if (removed === 0) return;
    this.slack
      .postNotice(bot, thread, stoppedLine(by))
      .catch((error: unknown) => this.logger.warn({ err: error, bot: bot.id }, 'could not say the stop in the thread'));
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
    this.slack
      .postEphemeral(bot, { channel: message.channel, threadTs: message.threadTs }, message.user, RATE_LIMITED_LINE)
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
