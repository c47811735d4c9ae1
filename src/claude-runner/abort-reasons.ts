/**
 * Why a running job's signal was aborted. BullMQ carries the reason as a string; this is the one
 * place that writes and reads it, so that a stop is never mistaken for a shutdown.
 */
export type AbortReason =
  /** A person stopped it from Slack: the thread is told who. */
  | { readonly kind: 'stop'; readonly by: string }
  /** The worker is shutting down: the job goes back to the queue, and the next worker resumes it. */
  | { readonly kind: 'shutdown' }
  /** The worker lost the job's lock: another worker may hold it now, so this one says nothing. */
  | { readonly kind: 'lock_lost' };

const STOP_PREFIX = 'stop:';

export const ABORT = {
  stop: (by: string): string => `${STOP_PREFIX}${by}`,
  shutdown: 'shutdown',
  lockLost: 'lock_lost',
} as const;

/** The reason of an aborted signal; undefined while it runs on. */
export function abortReasonOf(signal: AbortSignal | undefined): AbortReason | undefined {
  if (!signal?.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (typeof reason === 'string' && reason.startsWith(STOP_PREFIX)) {
    return { kind: 'stop', by: reason.slice(STOP_PREFIX.length) };
  }
  return reason === ABORT.lockLost ? { kind: 'lock_lost' } : { kind: 'shutdown' };
}
