import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotIdentity } from '../bots/bot.types';
import type { SlackBot } from './slack-bot';
import type { Logger } from 'pino';
import { SecretScrubber } from '../logging/secret-scrubber';
import { postOnce, type ReplyContent } from './post-once';
import { ProgressMessage, progressText, type ThreadRef } from './progress-message';
import { SlackClientFactory } from './slack-client.factory';
import { slackErrorCode } from './slack.errors';

export type { ThreadRef } from './progress-message';

/** The job whose replies these are: what makes each of them findable, and so posted once. */
export interface JobReplies {
  readonly jobId: string;
  /** The asking message's ts: the job's replies come after it. */
  readonly since: string;
  /** The progress message an earlier attempt posted. */
  readonly progressTs?: string;
}

/** Every call the service makes to Slack's Web API. Knows nothing about queues or the CLI. */
@Injectable()
export class SlackService {
  constructor(
    private readonly clients: SlackClientFactory,
    private readonly scrubber: SecretScrubber,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SlackService.name);
  }

  async identify(bot: SlackBot): Promise<BotIdentity> {
    const result = await this.clients.forToken(bot.token).auth.test();
    if (result.user_id === undefined || result.team_id === undefined) {
      throw new Error(`auth.test for bot ${bot.id} answered without user_id or team_id`);
    }
    const identity = { userId: result.user_id, botId: result.bot_id, teamId: result.team_id };
    // Outside Enterprise Grid there is no organisation: the field is absent (or empty).
    return result.enterprise_id ? { ...identity, enterpriseId: result.enterprise_id } : identity;
  }

  /**
   * The thread's progress message: posted now, once (see postOnce), or the one an earlier attempt of
   * the same job posted, so that a retried job never leaves a second one behind.
   */
  async startProgress(bot: SlackBot, thread: ThreadRef, job: JobReplies, log: Logger): Promise<ProgressMessage> {
    const reliable = this.clients.forToken(bot.token);
    const fast = this.clients.forToken(bot.token, 'fast');
    const post = (part: number, content: ReplyContent) =>
      postOnce(fast, thread, { jobId: job.jobId, part }, content, job.since);
    const ts = job.progressTs ?? (await post(0, { text: progressText({ steps: 0, startedAt: Date.now() }) }));
    const delivery = {
      postPart: async (part: number, markdown: string) => void (await post(part, { markdown_text: markdown })),
      uploadWhole: (markdown: string) => this.uploadAnswer(bot, thread, markdown),
    };
    return new ProgressMessage({ reliable, fast }, thread, ts, log, delivery, (text) => this.scrubber.scrub(text));
  }

  /** A whole answer as a Markdown file in the thread (`files.getUploadURLExternal` + `completeUploadExternal`). */
  async uploadAnswer(bot: SlackBot, thread: ThreadRef, markdown: string): Promise<void> {
    await this.clients.forToken(bot.token).filesUploadV2({
      channel_id: thread.channel,
      thread_ts: thread.threadTs,
      content: markdown,
      filename: 'answer.md',
      title: 'The whole answer',
      snippet_type: 'markdown',
    });
  }

  /** One line in the thread, in place of the progress message when there is one. */
  async sayInThread(bot: SlackBot, thread: ThreadRef, text: string, replaceTs?: string): Promise<void> {
    if (replaceTs !== undefined) {
      try {
        await this.clients.forToken(bot.token).chat.update({ channel: thread.channel, ts: replaceTs, text });
        return;
      } catch (error) {
        this.logger.warn({ err: error, bot: bot.id }, 'could not update the progress message; posting anew');
      }
    }
    await this.postNotice(bot, thread, text);
  }

  /** One short plain line in the thread: failures, notices. */
  async postNotice(bot: SlackBot, thread: ThreadRef, text: string): Promise<void> {
    await this.clients.forToken(bot.token).chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.threadTs,
      text,
      unfurl_links: false,
    });
  }

  async postEphemeral(bot: SlackBot, thread: ThreadRef, user: string, text: string): Promise<void> {
    await this.clients.forToken(bot.token).chat.postEphemeral({
      channel: thread.channel,
      thread_ts: thread.threadTs,
      user,
      text,
    });
  }

  async addReaction(bot: SlackBot, channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.clients.forToken(bot.token).reactions.add({ channel, timestamp: ts, name });
    } catch (error) {
      if (slackErrorCode(error) !== 'already_reacted') throw error;
    }
  }

  async removeReaction(bot: SlackBot, channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.clients.forToken(bot.token).reactions.remove({ channel, timestamp: ts, name });
    } catch (error) {
      if (slackErrorCode(error) !== 'no_reaction') throw error;
    }
  }

  /** Reactions are decoration: a failure is logged, never allowed to fail the job. */
  async swapReaction(bot: SlackBot, channel: string, ts: string, from: string, to: string): Promise<void> {
    try {
      await this.removeReaction(bot, channel, ts, from);
      await this.addReaction(bot, channel, ts, to);
    } catch (error) {
      this.logger.warn({ err: error, bot: bot.id, channel, ts }, 'could not update the reaction');
    }
  }
}
