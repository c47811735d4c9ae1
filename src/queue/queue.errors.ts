/** Redis did not take the job: the webhook answers 503 so that Slack retries. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}
