import { KEY_PREFIX } from '../redis/redis.constants';

/** Every Redis key the webhook side writes, named in one place. */
export const webhookKeys = {
  event: (botId: string, eventId: string) => `${KEY_PREFIX}:${botId}:dedupe:event:${eventId}`,
  message: (botId: string, teamId: string, channel: string, ts: string) =>
    `${KEY_PREFIX}:${botId}:dedupe:message:${teamId}:${channel}:${ts}`,
  rateCount: (botId: string, user: string, window: number) => `${KEY_PREFIX}:${botId}:ratelimit:${user}:${window}`,
  rateNotice: (botId: string, user: string, window: number) =>
    `${KEY_PREFIX}:${botId}:ratelimit-notice:${user}:${window}`,
  thread: (botId: string, channel: string, threadTs: string) => `${KEY_PREFIX}:${botId}:thread:${channel}:${threadTs}`,
};
