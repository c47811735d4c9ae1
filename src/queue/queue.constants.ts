import type { JobsOptions } from 'bullmq';
import { KEY_PREFIX } from '../redis/redis.constants';

export const CLAUDE_QUEUE = 'claude-jobs';

/** Where BullMQ keeps its keys: under the service's own prefix. */
export const QUEUE_PREFIX = `${KEY_PREFIX}:bull`;

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

/** Every job's options but its id. Failures before the CLI starts are retried; a started CLI never runs twice. */
export const JOB_OPTIONS = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: 'exponential', delay: RETRY_DELAY_MS },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
} as const satisfies JobsOptions;
