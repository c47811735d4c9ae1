import { Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { BotConfig } from '../bots/bot.types';
import { ReplyService } from '../slack/reply.service';
import type { ThreadRef } from '../slack/slack.service';
import { ClaudeCliRunner, type CliRun } from './claude-cli.runner';
import { ClaudeRunError } from './claude-runner.errors';
import type { RunSuccess } from './run-outcome';
import { SessionRepository, type ThreadKey } from './session.repository';
import { TranscriptRepository } from './transcript.repository';

export type Thread = ThreadRef & ThreadKey;
export type SessionRun = Omit<CliRun, 'resumeSessionId' | 'onTurnEnd'>;
export type SessionSuccess = RunSuccess & {
  readonly costUsd: number;
  /**
   * Keeps the session (id, cost, transcript) for the thread's next message. Left to the caller after
   * a success, so that the answer is posted first: the person waits for the answer, not for this.
   */
  readonly keepSession: () => Promise<void>;
};

/** While the CLI runs, its session is saved at most this often (after a completed turn). */
const CHECKPOINT_EVERY_MS = 5_000;

/**
 * A thread's Claude session across runs and workers: resumes it (bringing its transcript here first),
 * starts afresh when it cannot be resumed (and says so), checkpoints it while the CLI runs so that a
 * worker's death loses little, and keeps it after the run with what it cost.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly runner: ClaudeCliRunner,
    private readonly sessions: SessionRepository,
    private readonly transcripts: TranscriptRepository,
    private readonly replies: ReplyService,
  ) {}

  /** Runs in the thread's session, or in `continueSession` (a run an earlier attempt did not finish). */
  async run(
    bot: BotConfig,
    thread: Thread,
    run: SessionRun,
    log: Logger,
    continueSession?: string,
  ): Promise<SessionSuccess> {
    const session = await this.sessions.find(thread);
    const resumeSessionId = continueSession ?? session?.sessionId;
    const startAfresh = async (why: string) => {
      log.warn({ sessionId: resumeSessionId, why }, 'session could not be resumed; starting a new one');
      await this.sessions.forget(thread);
      await this.transcripts.forget(thread);
      await this.replies.freshSession(bot, thread);
      return this.runAndKeep(bot, thread, run, 0, log);
    };
    if (resumeSessionId === undefined) return this.runAndKeep(bot, thread, run, 0, log);
    if (!(await this.bringHere(bot, thread, resumeSessionId))) return startAfresh('no transcript to resume');
    try {
      return await this.runAndKeep(bot, thread, { ...run, resumeSessionId }, session?.costUsd ?? 0, log);
    } catch (error) {
      if (!(error instanceof ClaudeRunError && error.kind === 'session_not_found')) throw error;
      return startAfresh('the CLI found no such session');
    }
  }

  /** Whether a run of `sessionId` can go on here: its transcript is on the agent side, or is brought there. */
  async bringHere(bot: BotConfig, thread: ThreadKey, sessionId: string): Promise<boolean> {
    const transcript = await this.transcripts.restore(thread, bot, sessionId);
    return transcript === 'present' || transcript === 'restored';
  }

  /**
   * A failed run's session is kept at once: its transcript holds the prompt, so a follow-up can go on
   * from it. A successful one is kept when the caller says (see keepSession).
   */
  private async runAndKeep(
    bot: BotConfig,
    thread: ThreadKey,
    run: CliRun,
    costBefore: number,
    log: Logger,
  ): Promise<SessionSuccess> {
    const checkpoints = new Checkpoints((id) => this.keep(bot, thread, id, costBefore, log));
    try {
      const success = await this.runner.run({ ...run, onTurnEnd: (id) => checkpoints.offer(id) });
      const total = success.result.total_cost_usd ?? costBefore;
      const { sessionId } = success;
      const keepSession = async () => {
        await checkpoints.settled();
        if (sessionId !== undefined) await this.keep(bot, thread, sessionId, total, log);
      };
      return { ...success, costUsd: Math.max(0, total - costBefore), keepSession };
    } catch (error) {
      await checkpoints.settled();
      if (!(error instanceof ClaudeRunError)) throw error;
      const total = error.result?.total_cost_usd ?? costBefore;
      error.costUsd = Math.max(0, total - costBefore);
      if (error.sessionId !== undefined) await this.keep(bot, thread, error.sessionId, total, log);
      throw error;
    }
  }

  private async keep(bot: BotConfig, thread: ThreadKey, sessionId: string, costUsd: number, log: Logger) {
    await this.sessions.save(thread, { sessionId, costUsd });
    const saved = await this.transcripts.save(thread, bot, sessionId);
    if (saved !== 'saved') log.warn({ sessionId, saved }, 'the session transcript is not kept in Redis');
  }
}

/** At most one checkpoint at a time, and at most one per CHECKPOINT_EVERY_MS; a failed one is only logged. */
class Checkpoints {
  private last = 0;
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(private readonly take: (sessionId: string) => Promise<void>) {}

  offer(sessionId: string): void {
    if (this.busy || Date.now() - this.last < CHECKPOINT_EVERY_MS) return;
    this.busy = true;
    this.last = Date.now();
    this.running = this.take(sessionId)
      .catch(() => undefined)
      .finally(() => {
        this.busy = false;
      });
  }

  settled(): Promise<void> {
    return this.running;
  }
}
