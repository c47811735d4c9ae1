/** Every short line the bots say in threads besides answers, in one place so they read alike. */

export function stoppedLine(by: string): string {
  return `:octagonal_sign: Stopped by <@${by}>.`;
}

export const RATE_LIMITED_LINE =
  "You're sending requests faster than I can take them. Please wait a minute and try again.";

export const FRESH_SESSION_LINE =
  ':information_source: I could not pick up our earlier conversation in this thread, so I started a new one.';

export const INTERRUPTED_LINE =
  ':warning: I was interrupted while working on this (my worker restarted). Please ask again if you still need it.';

export const GAVE_UP_LINE =
  ':x: Sorry, I could not finish this: something went wrong on my side, even after retrying. (internal_error)';

export function overBudgetLine(budgetUsd: number): string {
  return `:money_with_wings: I have used up today's budget ($${budgetUsd.toFixed(2)}). I can take new requests again after midnight UTC.`;
}

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
