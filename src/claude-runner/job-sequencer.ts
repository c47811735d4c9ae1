import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { BotRegistry } from '../bots/bot-registry';
import { SecretScrubber } from '../logging/secret-scrubber';
import { StopRequests } from '../queue/stop-requests.repository';
import type { ProgressMessage } from '../slack/progress-message';
import { type Refusal, ReplyService, type RunEnding } from '../slack/reply.service';
import { abortReasonOf } from './abort-reasons';
import { BudgetGate } from './budget-gate';
import { ClaudeRunError } from './claude-runner.errors';
import { JobAttemptRepository } from './job-attempt.repository';
import type { Ending, JobContext, Step } from './job-step';
import { CONTINUE_PROMPT, JobPrompts } from './job-prompt.service';
import { JobReport } from './job-report';
import { describeToolUse } from './progress-steps';
import { SessionService, type SessionRun } from './session.service';

/**
 * One user message, phase by phase (admitted → preparing → running → delivering → done), each phase
 * recorded once in the job's attempt, so that any worker goes on exactly where another stopped: an
 * answer already made is delivered, not made again; a run a worker died in is resumed from its
 * session; every message gets one visible outcome.
 */
@Injectable()
export class JobSequencer {
  constructor(
    private readonly registry: BotRegistry,
    private readonly attempts: JobAttemptRepository,
    private readonly stops: StopRequests,
    private readonly budget: BudgetGate,
    private readonly replies: ReplyService,
    private readonly prompts: JobPrompts,
    private readonly sessions: SessionService,
    private readonly report: JobReport,
    private readonly scrubber: SecretScrubber,
  ) {}

  async handle(context: JobContext): Promise<void> {
    const { data, log } = context;
    const bot = this.registry.find(data.botId);
    // Retrying cannot make a bot appear: the job fails for good, at once.
    if (!bot) throw new UnrecoverableError(`job names bot ${data.botId}, which is not configured here`);
    const [attempt, stoppedBy] = await Promise.all([
      this.attempts.load(bot.id, context.id),
      this.stops.requestedBy(context.id),
    ]);
    if (attempt.phase === 'done') return;
    const started = Date.now();
    const waitMs = Math.max(0, started - context.enqueuedAt);
    this.report.started(bot.id, waitMs);
    const summary = () => ({ botId: bot.id, durationMs: Date.now() - started, waitMs, prompt: data.text });
    const step: Step = {
      bot,
      context,
      attempt,
      thread: { botId: bot.id, channel: data.channel, threadTs: data.threadTs },
      asking: { channel: data.channel, ts: data.messageTs },
    };
    let ending: Ending;
    try {
      ending = await this.run(step, stoppedBy);
    } catch (error) {
      // A handed-back run ended here; any other error is retried, and reported by the attempt that ends it.
      if (!(error instanceof ClaudeRunError)) this.report.abandoned(bot.id);
      else this.report.finished({ ...summary(), outcome: 'interrupted', costUsd: error.costUsd }, log);
      throw error;
    } finally {
      await this.budget.release(bot, context.id, log);
    }
    await this.attempts.record(bot.id, context.id, { phase: 'done', outcome: ending.outcome, answer: undefined });
    this.report.finished({ ...summary(), ...ending }, log);
  }

  private async run(step: Step, stoppedBy: string | undefined): Promise<Ending> {
    const { bot, context, thread, attempt } = step;
    if (stoppedBy !== undefined) return this.refused(step, { kind: 'stopped', by: stoppedBy }, 'stopped');
    if (!(await this.budget.admit(bot, context.id))) {
      return this.refused(step, { kind: 'over_budget', budgetUsd: bot.budgetUsdPerDay ?? 0 }, 'failed', 'budget');
    }
    await this.replies.working(bot, step.asking, context.log);
    const replies = { jobId: context.id, since: context.data.messageTs, progressTs: attempt.progressTs };
    const progress = await this.replies.startProgress(bot, thread, replies, context.log);
    if (attempt.answer !== undefined) return this.deliver(step, progress, attempt.answer, { outcome: 'succeeded' });
    if (attempt.phase === 'running') return this.pickUp(step, progress);
    await this.attempts.record(bot.id, context.id, { phase: 'preparing', progressTs: progress.ts });
    return this.runClaude(step, progress);
  }

  /** The CLI ran on a worker that died or handed the job back: resume its session, never run it blindly. */
  private async pickUp(step: Step, progress: ProgressMessage): Promise<Ending> {
    const { bot, thread, attempt } = step;
    const resumable =
      attempt.sessionId !== undefined && (await this.sessions.bringHere(bot, thread, attempt.sessionId));
    if (resumable) return this.runClaude(step, progress, attempt.sessionId);
    await this.replies.ended(bot, step.asking, progress, { kind: 'interrupted' });
    return { outcome: 'interrupted', reason: 'worker_lost' };
  }

  private async runClaude(step: Step, progress: ProgressMessage, continueSession?: string): Promise<Ending> {
    const { bot, context, thread } = step;
    const { id, log, signal } = context;
    const prepared = continueSession
      ? { prompt: CONTINUE_PROMPT, addDirs: [] }
      : await this.prompts.prepare(bot, id, thread, context.data);
    // A stop that came while the files and the thread were read keeps the CLI from starting at all.
    const stop = abortReasonOf(signal);
    const stoppedBy = stop?.kind === 'stop' ? stop.by : await this.stops.requestedBy(id);
    if (stoppedBy !== undefined) return this.endWithout(step, progress, { kind: 'stopped', by: stoppedBy }, 'stopped');
    await this.attempts.record(bot.id, id, { phase: 'running', handedBack: false });
    const startedAt = Date.now();
    const run: SessionRun = {
      bot,
      ...prepared,
      deadline: startedAt + bot.timeoutSeconds * 1000,
      signal,
      // Best effort while the CLI runs: a later attempt resumes this session if this worker dies.
      onSession: (sessionId) => void this.attempts.record(bot.id, id, { sessionId }).catch(() => undefined),
      onToolUse: (tool, steps) =>
        progress.report({ step: describeToolUse(tool, bot.workingDirectory, this.scrubber), steps, startedAt }),
    };
    const outcome = await this.sessions.run(bot, thread, run, log, continueSession).then(
      (success) => ({ success }),
      (error: unknown) => ({ error }),
    );
    // The files were the run's: they go before anyone is told how it ended.
    await this.prompts
      .cleanup(bot, id)
      .catch((error: unknown) => log.warn({ err: error }, 'could not remove the job files'));
    if ('error' in outcome) {
      if (!(outcome.error instanceof ClaudeRunError)) throw outcome.error;
      await this.budget.settle(bot, id, outcome.error.costUsd ?? 0);
      return this.failed(step, progress, outcome.error);
    }
    const { answer, sessionId, model, costUsd, result, keepSession } = outcome.success;
    await this.budget.settle(bot, id, costUsd);
    await this.attempts.record(bot.id, id, { phase: 'delivering', answer, partsPosted: 0 });
    const ending = await this.deliver(step, progress, answer, {
      outcome: 'succeeded',
      sessionId,
      model,
      costUsd,
      result,
    });
    // After the answer: a session not kept costs the next message its context, never this answer.
    await keepSession().catch((error: unknown) => log.warn({ err: error }, 'could not keep the session'));
    return ending;
  }

  private async failed(step: Step, progress: ProgressMessage, error: ClaudeRunError): Promise<Ending> {
    const { bot, context } = step;
    const costs = { sessionId: error.sessionId, model: error.model, result: error.result, costUsd: error.costUsd };
    if (error.kind === 'interrupted') {
      const reason = abortReasonOf(context.signal);
      if (reason?.kind === 'stop')
        return this.endWithout(step, progress, { kind: 'stopped', by: reason.by }, 'stopped', costs);
      // A shutdown: the job goes back to the queue, and the next worker resumes the session. A lost lock
      // means another worker has the job: nothing more is said or written here.
      if (reason?.kind !== 'lock_lost') {
        await this.attempts.record(bot.id, context.id, {
          handedBack: true,
          sessionId: error.sessionId ?? step.attempt.sessionId,
        });
      }
      throw error;
    }
    context.log.error({ err: error, kind: error.kind }, 'claude run failed');
    const ending: RunEnding = { kind: 'failed', failure: error.kind, timeoutSeconds: bot.timeoutSeconds };
    return this.endWithout(step, progress, ending, error.kind === 'timeout' ? 'timed_out' : 'failed', {
      ...costs,
      reason: error.kind,
    });
  }

  private async deliver(step: Step, progress: ProgressMessage, answer: string, ending: Ending): Promise<Ending> {
    const { bot, context } = step;
    const record = (partsPosted: number) => this.attempts.record(bot.id, context.id, { partsPosted });
    await this.replies.answered(bot, step.asking, progress, answer, step.attempt.partsPosted, record);
    return ending;
  }

  private async endWithout(
    step: Step,
    progress: ProgressMessage,
    ending: RunEnding,
    outcome: Ending['outcome'],
    details: Omit<Ending, 'outcome'> = {},
  ): Promise<Ending> {
    await this.replies.ended(step.bot, step.asking, progress, ending);
    return { outcome, ...details };
  }

  /** A job that never reaches the CLI says why in one line of its own. */
  private async refused(step: Step, refusal: Refusal, outcome: Ending['outcome'], reason?: string): Promise<Ending> {
    await this.replies.refused(step.bot, step.thread, refusal);
    return { outcome, reason };
  }
}
