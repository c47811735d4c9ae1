import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { BotConfig } from '../bots/bot.types';
import type { EventOutcome } from '../metrics/metrics.constants';
import { JobStopper, type StopResult } from '../queue/job-stopper';
import { ReplyService } from '../slack/reply.service';
import type { ThreadRef } from '../slack/slack.service';
import type { StopTarget } from './event-router';
import { keptInRedis } from './kept-in-redis';
import { ThreadRepository } from './thread.repository';

interface ThreadStop {
  readonly thread: ThreadRef;
  readonly result: StopResult;
}

/**
 * Stop requests, decided here so that nothing is enqueued for them. A job may be stopped by the
 * person who asked it or by one of the bot's admins; anyone else's stop is refused without a word in
 * Slack, since the thread is not theirs to disturb. Queued jobs go at once (and the thread is told
 * here); a running job is stopped by its worker, which says so in the thread.
 */
@Injectable()
export class StopIntake {
  constructor(
    private readonly threads: ThreadRepository,
    private readonly stopper: JobStopper,
    private readonly replies: ReplyService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(StopIntake.name);
  }

  async stop(bot: BotConfig, target: StopTarget, by: string, onlyIfInThread: boolean): Promise<EventOutcome> {
    return keptInRedis(async () => {
      // An admin's stop reaches every job; anyone else's only the jobs they asked.
      const askedBy = bot.admins.includes(by) ? undefined : by;
      const stops = await this.stopTarget(bot, target, by, askedBy, onlyIfInThread);
      return stops === undefined ? 'ignored_other' : this.settle(bot, by, stops);
    });
  }

  /** What the stop did in each thread it reached; undefined when it points at nothing of the bot's. */
  private async stopTarget(
    bot: BotConfig,
    target: StopTarget,
    by: string,
    askedBy: string | undefined,
    onlyIfInThread: boolean,
  ): Promise<ThreadStop[] | undefined> {
    switch (target.kind) {
      case 'message': {
        const job = await this.stopper.unfinishedJobOf(bot.id, target.teamId, target.channel, target.ts);
        if (!job) return undefined;
        const thread = { channel: job.channel, threadTs: job.threadTs };
        if (askedBy !== undefined && job.user !== askedBy) return [{ thread, result: refusedOne() }];
        return [{ thread, result: await this.stopper.stopMessage(job, by) }];
      }
      case 'thread': {
        const thread = { channel: target.channel, threadTs: target.threadTs };
        if (onlyIfInThread && !(await this.threads.isActive(bot.id, thread.channel, thread.threadTs))) {
          return undefined;
        }
        return [
          { thread, result: await this.stopper.stopThread(bot.id, thread.channel, thread.threadTs, by, askedBy) },
        ];
      }
      case 'channel': {
        const stops: ThreadStop[] = [];
        for (const threadTs of await this.stopper.threadsWithUnfinishedJobs(bot.id, target.teamId, target.channel)) {
          const result = await this.stopper.stopThread(bot.id, target.channel, threadTs, by, askedBy);
          stops.push({ thread: { channel: target.channel, threadTs }, result });
        }
        return stops;
      }
    }
  }

  private settle(bot: BotConfig, by: string, stops: readonly ThreadStop[]): EventOutcome {
    const stopped = stops.reduce((sum, { result }) => sum + result.removed + result.signalled, 0);
    const refused = stops.reduce((sum, { result }) => sum + result.refused, 0);
    if (stopped === 0 && refused > 0) {
      this.logger.info({ bot: bot.id, by, refused }, 'stop refused: neither the asker nor an admin');
      return 'stop_refused';
    }
    for (const { thread, result } of stops) {
      this.logger.info({ bot: bot.id, by, ...result }, 'stop requested');
      if (result.signalled === 0) this.tellStopped(bot, thread, by, result.removed);
    }
    return 'stop_requested';
  }

  private tellStopped(bot: BotConfig, thread: ThreadRef, by: string, removed: number): void {
    if (removed === 0) return;
    this.replies
      .stoppedQueued(bot, thread, by)
      .catch((error: unknown) => this.logger.warn({ err: error, bot: bot.id }, 'could not say the stop in the thread'));
  }
}

function refusedOne(): StopResult {
  return { removed: 0, signalled: 0, refused: 1 };
}
