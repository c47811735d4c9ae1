export const CLAUDE_QUEUE = 'claude-jobs';

export enum JobName {
  RunClaude = 'run-claude',
}

/** How long finished jobs stay inspectable, bounded so that Redis does not fill up. */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 1_000 };
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5_000 };

/** Longest a webhook waits for Redis to take a job before answering 503. */
export const ENQUEUE_TIMEOUT_MS = 2_000;

export const JOB_ATTEMPTS = 3;
export const RETRY_DELAY_MS = 2_000;
