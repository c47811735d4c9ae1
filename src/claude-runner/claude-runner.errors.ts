import type { FailureKind } from '../slack/reply-lines';
import type { ResultLine } from './stream-json.types';

export type { FailureKind } from '../slack/reply-lines';

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
