import { Injectable } from '@nestjs/common';
import type { BotConfig } from '../bots/bot.types';
import { AppConfig } from '../config/config.types';
import { AgentError, type RunningProcess } from '../agent/agent-client';
import { AgentSupervisor } from '../agent/agent-supervisor';
import { buildCliArgs, buildCliEnvironment } from './cli-invocation';
import { ClaudeRunError } from './claude-runner.errors';
import { judgeRun, type ProcessExit, type RunSuccess } from './run-outcome';
import { settlesWithin } from '../common/timeouts';
import { StreamJsonParser } from './stream-json.parser';
import type { ToolUseBlock } from './stream-json.types';

/** How long each signal of SIGINT → SIGTERM → SIGKILL gets: a stuck CLI is gone 4 s past its limit. */
export const SIGNAL_GRACE_MS = 2_000;
/** The CLI sometimes lingers after its result line; the result is the end of the job. */
const LINGER_AFTER_RESULT_MS = 2_000;
/** The agent side drains the CLI's last lines for up to 2 s before it reports the exit; then they are here. */
const OUTPUT_DRAIN_MS = 3_000;

export interface CliRun {
  readonly bot: BotConfig;
  readonly prompt: string;
  readonly resumeSessionId?: string;
  /** Folders outside the working directory the CLI may read (the message's files). */
  readonly addDirs?: readonly string[];
  /** Epoch ms at which the run is stopped. */
  readonly deadline: number;
  /** Aborted when the run must end early (a stop from Slack, the worker shutting down). */
  readonly signal?: AbortSignal;
  /** Called as the run goes: the session id once known, and each tool call. */
  readonly onSession?: (sessionId: string) => void;
  readonly onToolUse?: (tool: ToolUseBlock, count: number) => void;
  /** A turn is complete (its tool results are back): a checkpoint of the session can be taken. */
  readonly onTurnEnd?: (sessionId: string) => void;
}

/** Runs the CLI once for a prompt and judges the outcome; a failure is thrown as a ClaudeRunError. */
@Injectable()
export class ClaudeCliRunner {
  constructor(
    private readonly agents: AgentSupervisor,
    private readonly config: AppConfig,
  ) {}

  async run(request: CliRun): Promise<RunSuccess> {
    const parser = new StreamJsonParser();
    let endedAfterResult = false;
    let lingerTimer: NodeJS.Timeout | undefined;
    const child = this.agents.forBot(request.bot.id).start(
      {
        botId: request.bot.id,
        command: this.config.claudeBin,
        args: buildCliArgs(request.bot, request.resumeSessionId, request.addDirs),
        cwd: request.bot.workingDirectory,
        env: buildCliEnvironment(request.bot, this.config.cliBaseEnvironment),
        stdin: request.prompt,
      },
      (line) => {
        const { sessionId, toolCalls, turnsCompleted } = parser;
        parser.push(line);
        if (parser.sessionId !== undefined && parser.sessionId !== sessionId) request.onSession?.(parser.sessionId);
        const tool = parser.lastToolUse;
        if (parser.toolCalls > toolCalls && tool) request.onToolUse?.(tool, parser.toolCalls);
        if (parser.turnsCompleted > turnsCompleted && parser.sessionId) request.onTurnEnd?.(parser.sessionId);
        if (parser.result && lingerTimer === undefined) {
          lingerTimer = setTimeout(() => {
            endedAfterResult = true;
            child.signalGroup('SIGTERM');
          }, LINGER_AFTER_RESULT_MS);
        }
      },
      () => parser.markOversizedLine(),
    );

    let timedOut = false;
    let interrupted = false;
    const stop = (): void => void this.endGracefully(child);
    const timer = setTimeout(
      () => {
        timedOut = true;
        stop();
      },
      Math.max(0, request.deadline - Date.now()),
    );
    const onAbort = (): void => {
      interrupted = true;
      stop();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });

    let exit: ProcessExit;
    try {
      exit = await child.exited;
    } catch (error) {
      const missing = error instanceof AgentError && error.code === 'cli_missing';
      throw new ClaudeRunError(missing ? 'cli_missing' : 'spawn_failed', `could not start ${this.config.claudeBin}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      clearTimeout(lingerTimer);
      request.signal?.removeEventListener('abort', onAbort);
    }
    await settlesWithin(child.outputClosed, OUTPUT_DRAIN_MS);
    return judgeRun(parser, { exit, timedOut, interrupted, endedAfterResult, stderrTail: child.stderrTail() });
  }

  /** SIGINT lets the CLI end its turn and save the session; SIGTERM and SIGKILL follow if it does not. */
  private async endGracefully(child: RunningProcess): Promise<void> {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      child.signalGroup(signal);
      if (await settlesWithin(child.exited, SIGNAL_GRACE_MS)) return;
    }
  }
}
