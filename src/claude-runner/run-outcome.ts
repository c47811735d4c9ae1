import { ClaudeRunError, type FailureKind } from './claude-runner.errors';
import type { StreamJsonParser } from './stream-json.parser';
import type { ResultLine } from './stream-json.types';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunFacts {
  readonly exit: ProcessExit;
  readonly timedOut: boolean;
  readonly interrupted: boolean;
  /** The process lingered after its result line and was ended by us. */
  readonly endedAfterResult: boolean;
  readonly stderrTail: string;
}

export interface RunSuccess {
  readonly answer: string;
  readonly sessionId: string | undefined;
  readonly model: string | undefined;
  readonly result: ResultLine;
}

/**
 * Success is a result line with `is_error: false` from a process that ended by itself with 0 (or
 * that we ended after it had answered). Everything else is a failure of a named kind.
 */
export function judgeRun(parser: StreamJsonParser, facts: RunFacts): RunSuccess {
  const result = parser.result;
  const fail = (kind: FailureKind, message: string): ClaudeRunError =>
    new ClaudeRunError(kind, message, {
      cause: { exit: facts.exit, stderr: facts.stderrTail },
      sessionId: kind === 'session_not_found' ? undefined : parser.sessionId,
      result,
      model: parser.model,
    });
  if (facts.interrupted) throw fail('interrupted', 'the run was interrupted');
  if (facts.timedOut) throw fail('timeout', 'the time limit was reached');
  if (result && !result.is_error && (facts.exit.code === 0 || facts.endedAfterResult)) {
    if (parser.answerOverflowed) throw fail('output_too_large', 'the answer is longer than can be delivered');
    return { answer: parser.answer, sessionId: parser.sessionId, model: parser.model, result };
  }
  if (result) throw fail(kindOfResult(result, facts), describeResult(result));
  if (facts.exit.signal !== null || facts.exit.code === 143 || facts.exit.code === 129) {
    throw fail('killed', `ended by ${facts.exit.signal ?? `exit code ${String(facts.exit.code)}`}`);
  }
  if (/No conversation found/.test(facts.stderrTail)) throw fail('session_not_found', 'no such session');
  const kind = facts.exit.code === 0 ? 'no_result' : 'cli_error';
  throw fail(kind, `exit code ${String(facts.exit.code)} without a result line`);
}

function kindOfResult(result: ResultLine, facts: RunFacts): FailureKind {
  if ((result.errors ?? []).some((error) => error.includes('No conversation found'))) return 'session_not_found';
  if (/No conversation found/.test(facts.stderrTail)) return 'session_not_found';
  switch (result.subtype) {
    case 'error_max_turns':
      return 'max_turns';
    case 'error_max_budget_usd':
      return 'max_budget';
    case 'success':
      return result.is_error ? 'api_error' : 'cli_error';
    default:
      return 'cli_error';
  }
}

function describeResult(result: ResultLine): string {
  const detail = result.errors?.join('; ') ?? result.result ?? '';
  return `${result.subtype}${detail === '' ? '' : `: ${detail.slice(0, 500)}`}`;
}
