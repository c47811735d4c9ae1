import type { ResultLine } from './stream-json.types';

/** Why a run gave no answer. Each kind becomes one short line in the thread and a metric outcome. */
export type FailureKind =
  | 'cli_missing'
  | 'spawn_failed'
  | 'api_error'
  | 'max_turns'
  | 'max_budget'
  | 'session_not_found'
  | 'cli_error'
  | 'no_result'
  | 'killed'
  | 'timeout'
  | 'output_too_large'
  /** Ended from outside: a stop from Slack, or the worker shutting down (the job is handed back). */
  | 'interrupted';

export class ClaudeRunError extends Error {
  override readonly name = 'ClaudeRunError';

  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: ErrorOptions & { sessionId?: string; result?: ResultLine; model?: string },
  ) {
    super(message, options);
    this.sessionId = options?.sessionId;
    this.result = options?.result;
    this.model = options?.model;
  }

  /** The session the failed run wrote to, if it got that far: a follow-up can still resume it. */
  readonly sessionId: string | undefined;
  /** The result line of a run that ended with an error: it still tells the cost. */
  readonly result: ResultLine | undefined;
  readonly model: string | undefined;
  /** What this run cost, set by the job, which knows its session's total before the run. */
  costUsd: number | undefined;
}

/** One line, in the thread, for the person who asked. Details stay in the logs. */
export function failureLine(kind: FailureKind, timeoutSeconds: number): string {
  const reasons: Record<FailureKind, string> = {
    cli_missing: 'the Claude CLI is not installed where I run',
    spawn_failed: 'the Claude CLI could not be started',
    api_error: 'the Claude API answered with an error',
    max_turns: 'I reached my limit of turns for one request',
    max_budget: 'I reached my budget for one request',
    session_not_found: 'I could not pick up our earlier conversation',
    cli_error: 'the Claude CLI stopped with an error',
    no_result: 'the Claude CLI ended without an answer',
    killed: 'the Claude CLI was stopped by a signal',
    timeout: `it took longer than ${formatDuration(timeoutSeconds)}, so I stopped`,
    interrupted: 'I was interrupted',
    output_too_large: 'the answer was far too long to deliver (over a million characters)',
  };
  return `:x: Sorry, I could not finish this: ${reasons[kind]}. (${kind})`;
}

function formatDuration(seconds: number): string {
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
