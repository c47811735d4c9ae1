import { Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { BotIdentityService } from '../bots/bot-identity.service';
import { BotRegistry } from '../bots/bot-registry';
import type { BotConfig } from '../bots/bot.types';
import { SecretScrubber } from '../logging/secret-scrubber';
import type { JobOutcome } from '../metrics/metrics.constants';
import { JobStopper } from '../queue/job-stopper';
import type { ClaudeJobState, JobMarkers } from '../queue/queue.types';
import type { ProgressMessage } from '../slack/progress-message';
import { FRESH_SESSION_LINE, INTERRUPTED_LINE, overBudgetLine, stoppedLine } from '../slack/reply-lines';
import { REACTIONS } from '../slack/slack.constants';
import { SlackService, type ThreadRef } from '../slack/slack.service';
import { ThreadHistoryService } from '../slack/thread-history.service';
import { BudgetGate } from './budget-gate';
import { ClaudeCliRunner, type CliRun } from './claude-cli.runner';
import { ClaudeRunError, failureLine } from './claude-runner.errors';
import { JobFiles } from './job-files';
import { JobReport, type JobSummary } from './job-report';
import { describeToolUse } from './progress-steps';
import { buildPrompt } from './prompt';
import type { RunSuccess } from './run-outcome';
import { SessionRepository, type ThreadKey } from './session.repository';
import { TranscriptRepository } from './transcript.repository';

/** What the processor hands over: the job, its abort signal, and a way to record markers on it. */
export interface JobContext {
  readonly id: string;
  readonly data: ClaudeJobState;
  readonly enqueuedAt: number;
  readonly signal?: AbortSignal;
  readonly log: Logger;
  remember(markers: JobMarkers): Promise<void>;
}

/** The abort reason a stop from Slack carries, so that it is told apart from a shutdown. */
export function stopReason(by: string): string {
  return `stop:${by}`;
}

/** Who stopped the job, when its signal was aborted by a stop from Slack (not by a shutdown). */
function stopperOf(signal: AbortSignal | undefined): string | undefined {
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  return typeof reason === 'string' && reason.startsWith('stop:') ? reason.slice('stop:'.length) : undefined;
}

const CONTINUE_PROMPT =
  'Your previous run on the request above was interrupted before you could answer. Please continue and answer it.';

type Thread = ThreadRef & ThreadKey;
type Ending = Omit<JobSummary, 'botId' | 'durationMs' | 'waitMs' | 'prompt'>;

/** One user message, from the 👀 on it to the answer (or the one line that says why not) in its thread. */
@Injectable()
export class ClaudeJobService {
  constructor(
    private readonly registry: BotRegistry,
    private readonly runner: ClaudeCliRunner,
    private readonly sessions: SessionRepository,
    private readonly budget: BudgetGate,
    private readonly scrubber: SecretScrubber,
    private readonly stopper: JobStopper,
    private readonly slack: SlackService,
    private readonly report: JobReport,
    private readonly transcripts: TranscriptRepository,
    private readonly history: ThreadHistoryService,
    private readonly identities: BotIdentityService,
    private readonly files: JobFiles,
  ) {}

  async handle(context: JobContext): Promise<void> {
    const { data, log } = context;
    const bot = this.registry.find(data.botId);
    if (!bot) throw new Error(`job names bot ${data.botId}, which is not configured here`);
    if (data.answered) return;
    const started = Date.now();
    const waitMs = Math.max(0, started - context.enqueuedAt);
    this.report.started(bot.id, waitMs);
    const summary = () => ({ botId: bot.id, durationMs: Date.now() - started, waitMs, prompt: data.text });
    let ending: Ending;
    try {
      ending = await this.run(bot, context);
    } catch (error) {
      // A handed-back run ended here; any other error is retried, and reported by the attempt that ends it.
      if (!(error instanceof ClaudeRunError)) this.report.abandoned(bot.id);
      else this.report.finished({ ...summary(), outcome: 'interrupted', costUsd: error.costUsd }, log);
      throw error;
    } finally {
      await this.budget.release(bot, context.id, log);
    }
    this.report.finished({ ...summary(), ...ending }, log);
  }

  private async run(bot: BotConfig, context: JobContext): Promise<Ending> {
    const { data, log } = context;
    const thread: Thread = { botId: bot.id, channel: data.channel, threadTs: data.threadTs };
    const stoppedBy = await this.stopper.stopRequestedBy(context.id);
    if (stoppedBy !== undefined) return this.declined(bot, thread, data, stoppedLine(stoppedBy), 'stopped');
    if (!(await this.budget.admit(bot, context.id))) {
      return this.declined(bot, thread, data, overBudgetLine(bot.budgetUsdPerDay ?? 0), 'failed', 'budget');
    }
    await this.slack.addReaction(bot, data.channel, data.messageTs, REACTIONS.working).catch((error: unknown) => {
      log.warn({ err: error }, 'could not add the working reaction');
    });
    const progress = await this.slack.startProgress(bot, thread, log, data.progressTs);
    if (data.progressTs === undefined) await context.remember({ progressTs: progress.ts });
    if (data.answer !== undefined) return this.deliver(bot, context, progress, data.answer, { outcome: 'succeeded' });
    if (data.cliStartedAt !== undefined && !(data.handedBack && data.sessionId)) {
      // The CLI ran on a worker that died: running it again blindly could repeat what it did.
      return this.conclude(bot, data, progress, INTERRUPTED_LINE, { outcome: 'interrupted', reason: 'worker_lost' });
    }
    return this.runClaude(bot, context, thread, progress);
  }

  private async runClaude(
    bot: BotConfig,
    context: JobContext,
    thread: Thread,
    progress: ProgressMessage,
  ): Promise<Ending> {
    const { data, log } = context;
    const resuming = data.cliStartedAt !== undefined;
    const files = resuming ? undefined : await this.files.fetch(bot, context.id, data.files ?? []);
    const prompt = resuming
      ? CONTINUE_PROMPT
      : await this.promptFor(bot, thread, data, files && this.files.promptNotice(files));
    // A stop that came while the files and the thread were read keeps the CLI from starting at all.
    const stoppedBy = stopperOf(context.signal) ?? (await this.stopper.stopRequestedBy(context.id));
    if (stoppedBy !== undefined) {
      await this.files.cleanup(bot, context.id).catch(() => undefined);
      return this.conclude(bot, data, progress, stoppedLine(stoppedBy), { outcome: 'stopped' }, REACTIONS.stopped);
    }
    await context.remember({ cliStartedAt: Date.now(), handedBack: false });
    const startedAt = Date.now();
    const run: Omit<CliRun, 'resumeSessionId'> = {
      bot,
      prompt,
      addDirs: files?.dir === undefined ? [] : [files.dir],
      deadline: startedAt + bot.timeoutSeconds * 1000,
      signal: context.signal,
      // Best effort while the CLI runs: the id is also kept with the thread's session after the run.
      onSession: (sessionId) => void context.remember({ sessionId }).catch(() => undefined),
      onToolUse: (tool, steps) =>
        progress.report({ step: describeToolUse(tool, bot.workingDirectory, this.scrubber), steps, startedAt }),
    };
    try {
      const success = await this.runInSession(bot, thread, run, log, resuming ? data.sessionId : undefined);
      await this.budget.settle(bot, context.id, success.costUsd);
      await context.remember({ answer: success.answer });
      return await this.deliver(bot, context, progress, success.answer, {
        outcome: 'succeeded',
        sessionId: success.sessionId,
        model: success.model,
        costUsd: success.costUsd,
        result: success.result,
      });
    } catch (error) {
      if (!(error instanceof ClaudeRunError)) throw error;
      return await this.failed(bot, context, progress, error);
    } finally {
      await this.files
        .cleanup(bot, context.id)
        .catch((error: unknown) => log.warn({ err: error }, 'could not remove the job files'));
    }
  }

  /** Joining a thread it has no session for, the bot reads what was said before it was asked. */
  private async promptFor(bot: BotConfig, thread: Thread, data: ClaudeJobState, filesNotice?: string): Promise<string> {
    const identity = this.identities.identityOf(bot.id);
    const joinsThread = data.threadTs !== data.messageTs && identity !== undefined;
    const history =
      joinsThread && !(await this.sessions.find(thread))
        ? await this.history.earlierMessages(bot, identity, data.channel, data.threadTs, data.messageTs)
        : '';
    return buildPrompt({ text: data.text, history, filesNotice });
  }

  private async failed(
    bot: BotConfig,
    context: JobContext,
    progress: ProgressMessage,
    error: ClaudeRunError,
  ): Promise<Ending> {
    await this.budget.settle(bot, context.id, error.costUsd ?? 0);
    const costs = { sessionId: error.sessionId, model: error.model, result: error.result, costUsd: error.costUsd };
    if (error.kind === 'interrupted') {
      const stoppedBy = stopperOf(context.signal);
      if (stoppedBy !== undefined) {
        const line = stoppedLine(stoppedBy);
        return this.conclude(bot, context.data, progress, line, { outcome: 'stopped', ...costs }, REACTIONS.stopped);
      }
      // A shutdown: the job goes back to the queue, and the next worker resumes the session.
      await context.remember({ handedBack: true, sessionId: error.sessionId ?? context.data.sessionId });
      throw error;
    }
    context.log.error({ err: error, kind: error.kind }, 'claude run failed');
    const outcome: JobOutcome = error.kind === 'timeout' ? 'timed_out' : 'failed';
    const line = failureLine(error.kind, bot.timeoutSeconds);
    return this.conclude(bot, context.data, progress, line, { outcome, reason: error.kind, ...costs });
  }

  /** Resumes the thread's session; one that cannot be resumed is replaced by a fresh one, and the thread told. */
  private async runInSession(
    bot: BotConfig,
    thread: Thread,
    run: Omit<CliRun, 'resumeSessionId'>,
    log: Logger,
    continueSession?: string,
  ): Promise<RunSuccess & { costUsd: number }> {
    const session = await this.sessions.find(thread);
    const resumeSessionId = continueSession ?? session?.sessionId;
    const startAfresh = async (why: string) => {
      log.warn({ sessionId: resumeSessionId, why }, 'session could not be resumed; starting a new one');
      await this.sessions.forget(thread);
      await this.transcripts.forget(thread);
      await this.slack.postNotice(bot, thread, FRESH_SESSION_LINE);
      return this.runAndRemember(bot, thread, run, 0, log);
    };
    if (resumeSessionId === undefined) return this.runAndRemember(bot, thread, run, 0, log);
    // The transcript may have been written on another worker: bring it here before --resume.
    const transcript = await this.transcripts.restore(thread, bot, resumeSessionId);
    if (transcript === 'absent' || transcript === 'corrupt') return startAfresh(`transcript ${transcript}`);
    try {
      return await this.runAndRemember(bot, thread, { ...run, resumeSessionId }, session?.costUsd ?? 0, log);
    } catch (error) {
      if (!(error instanceof ClaudeRunError && error.kind === 'session_not_found')) throw error;
      return startAfresh('the CLI found no such session');
    }
  }

  /** A failed run's session is kept too: its transcript holds the prompt, so a follow-up can go on from it. */
  private async runAndRemember(
    bot: BotConfig,
    thread: ThreadKey,
    run: CliRun,
    costBefore: number,
    log: Logger,
  ): Promise<RunSuccess & { costUsd: number }> {
    let sessionId: string | undefined;
    let total = costBefore;
    try {
      const success = await this.runner.run(run);
      sessionId = success.sessionId;
      total = success.result.total_cost_usd ?? costBefore;
      return { ...success, costUsd: Math.max(0, total - costBefore) };
    } catch (error) {
      if (error instanceof ClaudeRunError) {
        sessionId = error.sessionId;
        total = error.result?.total_cost_usd ?? costBefore;
        error.costUsd = Math.max(0, total - costBefore);
      }
      throw error;
    } finally {
      if (sessionId !== undefined) {
        await this.sessions.save(thread, { sessionId, costUsd: total });
        const saved = await this.transcripts.save(thread, bot, sessionId);
        if (saved !== 'saved') log.warn({ sessionId, saved }, 'the session transcript is not kept in Redis');
      }
    }
  }

  private async deliver(
    bot: BotConfig,
    context: JobContext,
    progress: ProgressMessage,
    answer: string,
    ending: Ending,
  ): Promise<Ending> {
    await progress.finish(answer);
    await context.remember({ answered: true });
    await this.slack.swapReaction(
      bot,
      context.data.channel,
      context.data.messageTs,
      REACTIONS.working,
      REACTIONS.succeeded,
    );
    return ending;
  }

  private async conclude(
    bot: BotConfig,
    data: ClaudeJobState,
    progress: ProgressMessage,
    line: string,
    ending: Ending,
    reaction: string = REACTIONS.failed,
  ): Promise<Ending> {
    await progress.finishWithLine(line);
    await this.slack.swapReaction(bot, data.channel, data.messageTs, REACTIONS.working, reaction);
    return ending;
  }

  /** A job that never reaches the CLI says why in one line of its own. */
  private async declined(
    bot: BotConfig,
    thread: Thread,
    data: ClaudeJobState,
    line: string,
    outcome: JobOutcome,
    reason?: string,
  ): Promise<Ending> {
    await this.slack.postNotice(bot, thread, line);
    return { outcome, reason };
  }
}
