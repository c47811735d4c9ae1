import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig, BotIdentity } from '../bots/bot.types';
import { splitMarkdown } from './message-splitter';
import { SlackClientFactory } from './slack-client.factory';
import { ANSWER_PART_LIMIT } from './slack.constants';
import { slackErrorCode } from './slack.errors';

export interface ThreadRef {
  readonly channel: string;
  readonly threadTs: string;
}

/** Every call the service makes to Slack's Web API. Knows nothing about queues or the CLI. */
@Injectable()
export class SlackService {
  constructor(
    private readonly clients: SlackClientFactory,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SlackService.name);
  }

  async identify(bot: BotConfig): Promise<BotIdentity> {
    const result = await this.clients.forToken(bot.token).auth.test();
    if (result.user_id === undefined || result.team_id === undefined) {
      throw new Error(`auth.test for bot ${bot.id} answered without user_id or team_id`);
    }
    return { userId: result.user_id, botId: result.bot_id, teamId: result.team_id };
  }

  /** Posts the whole answer in the thread, split into as many messages as it needs. */
  async postAnswer(bot: BotConfig, thread: ThreadRef, markdown: string): Promise<string[]> {
    const client = this.clients.forToken(bot.token);
    const posted: string[] = [];
    for (const part of splitMarkdown(markdown, ANSWER_PART_LIMIT)) {
      const result = await client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.threadTs,
        markdown_text: part,
        unfurl_links: false,
      });
      if (result.ts !== undefined) posted.push(result.ts);
    }
    return posted;
  }

  /** One short plain line in the thread: failures, notices. */
  async postNotice(bot: BotConfig, thread: ThreadRef, text: string): Promise<void> {
    await this.clients.forToken(bot.token).chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.threadTs,
      text,
      unfurl_links: false,
    });
  }

  async postEphemeral(bot: BotConfig, thread: ThreadRef, user: string, text: string): Promise<void> {
    await this.clients.forToken(bot.token).chat.postEphemeral({
      channel: thread.channel,
      thread_ts: thread.threadTs,
      user,
      text,
    });
  }

  async addReaction(bot: BotConfig, channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.clients.forToken(bot.token).reactions.add({ channel, timestamp: ts, name });
    } catch (error) {
      if (slackErrorCode(error) !== 'already_reacted') throw error;
    }
  }

  async removeReaction(bot: BotConfig, channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.clients.forToken(bot.token).reactions.remove({ channel, timestamp: ts, name });
    } catch (error) {
      if (slackErrorCode(error) !== 'no_reaction') throw error;
    }
  }

  /** Reactions are decoration: a failure is logged, never allowed to fail the job. */
  async swapReaction(bot: BotConfig, channel: string, ts: string, from: string, to: string): Promise<void> {
    try {
      await this.removeReaction(bot, channel, ts, from);
      await this.addReaction(bot, channel, ts, to);
    } catch (error) {
      this.logger.warn({ err: error, bot: bot.id, channel, ts }, 'could not update the reaction');
    }
  }
}
