import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { BotRegistry } from '../bots/bot-registry';
import type { ClaudeJobState } from '../queue/queue.types';
import { REACTIONS } from '../slack/slack.constants';
import { SlackService } from '../slack/slack.service';

const GAVE_UP_LINE =
  ':x: Sorry, I could not finish this: something went wrong on my side, even after retrying. (internal_error)';

/** The visible outcome of a job that failed for good outside the normal path: never silence. */
@Injectable()
export class JobFailureNotice {
  constructor(
    private readonly registry: BotRegistry,
    private readonly slack: SlackService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(JobFailureNotice.name);
  }

  async tell(data: ClaudeJobState, error: Error): Promise<void> {
    const bot = this.registry.find(data.botId);
    if (!bot || data.answered) return;
    this.logger.error({ err: error, bot: bot.id, eventId: data.eventId }, 'job failed for good');
    try {
      await this.slack.sayInThread(
        bot,
        { channel: data.channel, threadTs: data.threadTs },
        GAVE_UP_LINE,
        data.progressTs,
      );
      await this.slack.swapReaction(bot, data.channel, data.messageTs, REACTIONS.working, REACTIONS.failed);
    } catch (postError) {
      this.logger.error({ err: postError, bot: bot.id }, 'could not tell the thread that the job failed');
    }
  }
}
