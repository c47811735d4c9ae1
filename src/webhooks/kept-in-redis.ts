import { EventNotKeptError } from './webhooks.errors';

/** Any Redis failure means the event was not kept: Slack must retry it. */
export async function keptInRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new EventNotKeptError('the event could not be kept in Redis', { cause: error });
  }
}
