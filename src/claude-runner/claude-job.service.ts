import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { BotRegistry } from '../bots/bot-registry';
import type { BotConfig } from '../bots/bot.types';
import { AppConfig } from '../config/config.types';
import { JOB_DURATION_SECONDS, JOBS_TOTAL, type JobOutcome } from '../metrics/metrics.constants';
import type { RunClaudeJobData } from '../queue/queue.types';
import { REACTIONS } from '../slack/slack.constants';
import { SlackService, type ThreadRef } from '../slack/slack.service';
import { ClaudeCliRunner, type CliRun } from './claude-cli.runner';
import { ClaudeRunError, failureLine } from './claude-runner.errors';
import type { RunSuccess } from './run-outcome';
import { SessionRepository, type ThreadKey } from './session.repository';

const FRESH_SESSION_NOTICE =
  ':information_source: I could not pick up our earlier conversation in this thread, so I started a new one.';

/** One user message, from the 👀 on it to the answer (or the failure line) in its thread. */
@Injectable()
export class ClaudeJobService {
  constructor(
    private readonly registry: BotRegistry,
    private readonly runner: ClaudeCliRunner,
    private readonly sessions: SessionRepository,
    private readonly slack: SlackService,
    private readonly config: AppConfig,
    @InjectMetric(JOBS_TOTAL) private readonly jobs: Counter<'bot' | 'outcome'>,
    @InjectMetric(JOB_DURATION_SECONDS) private readonly durations: Histogram<'bot' | 'outcome'>,
  ) {}

  async handle(data: RunClaudeJobData, log: Logger, signal?: AbortSignal): Promise<void> {
    const bot = this.registry.find(data.botId);
    if (!bot) throw new Error(`job names bot ${data.botId}, which is not configured here`);
    const started = Date.now();
    const thread: ThreadRef & ThreadKey = { botId: bot.id, channel: data.channel, threadTs: data.threadTs };
    await this.slack.addReaction(bot, data.channel, data.messageTs, REACTIONS.working).catch((error: unknown) => {
      log.warn({ err: error }, 'could not add the working reaction');
    });
    log.info(this.config.logPrompts ? { prompt: data.text } : {}, 'claude run started');

    let outcome: JobOutcome;
    try {
      const success = await this.runInSession(bot, thread, data.text, started, log, signal);
      await this.slack.postAnswer(bot, thread, success.answer || '_(Claude finished without saying anything.)_');
      await this.slack.swapReaction(bot, data.channel, data.messageTs, REACTIONS.working, REACTIONS.succeeded);
      outcome = 'succeeded';
      log.info(
        { turns: success.result.num_turns, costUsd: success.result.total_cost_usd, sessionId: success.sessionId },
        'claude run answered',
      );
    } catch (error) {
      outcome = await this.fail(bot, thread, data.messageTs, error, log);
    }
    this.jobs.inc({ bot: bot.id, outcome });
    this.durations.observe({ bot: bot.id, outcome }, (Date.now() - started) / 1000);
  }

  /** Resumes the thread's session; one that cannot be resumed is replaced by a fresh one, and the thread told. */
  private async runInSession(
    bot: BotConfig,
    thread: ThreadRef & ThreadKey,
    prompt: string,
    started: number,
    log: Logger,
    signal?: AbortSignal,
  ): Promise<RunSuccess> {
    const deadline = started + bot.timeoutSeconds * 1000;
    const resumeSessionId = await this.sessions.find(thread);
    try {
      return await this.runAndRemember(thread, { bot, prompt, resumeSessionId, deadline, signal });
    } catch (error) {
      if (!(error instanceof ClaudeRunError && error.kind === 'session_not_found' && resumeSessionId)) throw error;
      log.warn({ sessionId: resumeSessionId }, 'session could not be resumed; starting a new one');
      await this.sessions.forget(thread);
      await this.slack.postNotice(bot, thread, FRESH_SESSION_NOTICE);
      return this.runAndRemember(thread, { bot, prompt, deadline, signal });
    }
  }

  /** A failed run's session is kept too: the transcript holds the prompt, so a follow-up can go on from it. */
  private async runAndRemember(thread: ThreadKey, run: CliRun): Promise<RunSuccess> {
    let sessionId: string | undefined;
    try {
      const success = await this.runner.run(run);
      sessionId = success.sessionId;
      return success;
    } catch (error) {
      if (error instanceof ClaudeRunError) sessionId = error.sessionId;
      throw error;
    } finally {
      if (sessionId !== undefined) await this.sessions.save(thread, sessionId);
    }
  }

  private async fail(
    bot: BotConfig,
    thread: ThreadRef,
    messageTs: string,
    error: unknown,
    log: Logger,
  ): Promise<JobOutcome> {
    if (error instanceof ClaudeRunError && error.kind === 'interrupted') {
      log.warn({ err: error }, 'claude run interrupted; the job goes back to the queue');
      throw error;
    }
    const kind = error instanceof ClaudeRunError ? error.kind : undefined;
    log.error({ err: error, kind }, 'claude run failed');
    const line =
      kind === undefined
        ? ':x: Sorry, something went wrong on my side. (internal_error)'
        : failureLine(kind, bot.timeoutSeconds);
    await this.slack.postNotice(bot, thread, line).catch((postError: unknown) => {
      log.error({ err: postError }, 'could not tell the thread about the failure');
    });
    await this.slack.swapReaction(bot, thread.channel, messageTs, REACTIONS.working, REACTIONS.failed);
    return kind === 'timeout' ? 'timed_out' : 'failed';
  }
}
