import { Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { SlackBot } from './slack-bot';
import type { ProgressMessage } from './progress-message';
import {
  failureLine,
  type FailureKind,
  FRESH_SESSION_LINE,
  GAVE_UP_LINE,
  INTERRUPTED_LINE,
  overBudgetLine,
  RATE_LIMITED_LINE,
  stoppedLine,
} from './reply-lines';
import { REACTIONS } from './slack.constants';
import { type JobReplies, SlackService, type ThreadRef } from './slack.service';

/** The message someone asked with, where the reactions go. */
export interface AskingMessage {
  readonly channel: string;
  readonly ts: string;
}

/** How a run ended without an answer, as the thread is told. */
export type RunEnding =
  | { readonly kind: 'stopped'; readonly by: string }
  | { readonly kind: 'failed'; readonly failure: FailureKind; readonly timeoutSeconds: number }
  | { readonly kind: 'interrupted' };

/** Why a job never reached the CLI. */
export type Refusal =
  { readonly kind: 'stopped'; readonly by: string } | { readonly kind: 'over_budget'; readonly budgetUsd: number };

/**
 * Everything a person sees of a job in Slack besides the answer's text: reactions, the progress
 * message, and every short line, from one place so that they read alike and are posted once.
 */
@Injectable()
export class ReplyService {
  constructor(private readonly slack: SlackService) {}

  /** 👀 on the asking message: decoration, never a reason to fail the job. */
  async working(bot: SlackBot, message: AskingMessage, log: Logger): Promise<void> {
    await this.slack.addReaction(bot, message.channel, message.ts, REACTIONS.working).catch((error: unknown) => {
      log.warn({ err: error }, 'could not add the working reaction');
    });
  }

  startProgress(bot: SlackBot, thread: ThreadRef, job: JobReplies, log: Logger): Promise<ProgressMessage> {
    return this.slack.startProgress(bot, thread, job, log);
  }

  /** The answer in place of the progress (going on from `posted` messages), then ✅. */
  async answered(
    bot: SlackBot,
    message: AskingMessage,
    progress: ProgressMessage,
    answer: string,
    posted: number,
    onPosted: (count: number) => Promise<void>,
  ): Promise<void> {
    await progress.finish(answer, posted, onPosted);
    await this.slack.swapReaction(bot, message.channel, message.ts, REACTIONS.working, REACTIONS.succeeded);
  }

  /** One line in place of the progress, and the reaction that says how it ended. */
  async ended(bot: SlackBot, message: AskingMessage, progress: ProgressMessage, ending: RunEnding): Promise<void> {
    await progress.finishWithLine(lineOf(ending));
    const reaction = ending.kind === 'stopped' ? REACTIONS.stopped : REACTIONS.failed;
    await this.slack.swapReaction(bot, message.channel, message.ts, REACTIONS.working, reaction);
  }

  /** A job that never reached the CLI says why in one line of its own. */
  async refused(bot: SlackBot, thread: ThreadRef, refusal: Refusal): Promise<void> {
    const line = refusal.kind === 'stopped' ? stoppedLine(refusal.by) : overBudgetLine(refusal.budgetUsd);
    await this.slack.postNotice(bot, thread, line);
  }

  async freshSession(bot: SlackBot, thread: ThreadRef): Promise<void> {
    await this.slack.postNotice(bot, thread, FRESH_SESSION_LINE);
  }

  /** A job that failed for good outside the normal path: never silence. */
  async gaveUp(bot: SlackBot, thread: ThreadRef, message: AskingMessage, progressTs?: string): Promise<void> {
    await this.slack.sayInThread(bot, thread, GAVE_UP_LINE, progressTs);
    await this.slack.swapReaction(bot, message.channel, message.ts, REACTIONS.working, REACTIONS.failed);
  }

  async rateLimited(bot: SlackBot, thread: ThreadRef, user: string): Promise<void> {
    await this.slack.postEphemeral(bot, thread, user, RATE_LIMITED_LINE);
  }

  /** Queued jobs went at a stop, with none running to say it: the thread hears it here. */
  async stoppedQueued(bot: SlackBot, thread: ThreadRef, by: string): Promise<void> {
    await this.slack.postNotice(bot, thread, stoppedLine(by));
  }
}

function lineOf(ending: RunEnding): string {
  if (ending.kind === 'stopped') return stoppedLine(ending.by);
  if (ending.kind === 'interrupted') return INTERRUPTED_LINE;
  return failureLine(ending.failure, ending.timeoutSeconds);
}
