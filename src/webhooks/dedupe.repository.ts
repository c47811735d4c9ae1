import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { webhookKeys } from './webhook-keys';

/**
 * While a claimed event is being enqueued its keys live briefly, so that a process dying in between
 * does not swallow Slack's later retries; once the job is kept they live past Slack's last retry.
 */
const PENDING_TTL_SECONDS = 60;
const KEPT_TTL_SECONDS = 24 * 3600;

/** Claims every key or none: a key already present means another delivery got there first. */
const CLAIM_ALL = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
end
return 1`;

export interface DeliveryIds {
  readonly botId: string;
  readonly eventId: string;
  readonly teamId: string;
  readonly channel: string;
  readonly ts: string;
}

/**
 * One user message is one job: Slack's retries share the event id, and the `app_mention` and
 * `message` twins of one mention share team, channel and ts.
 */
@Injectable()
export class DedupeRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async claim(ids: DeliveryIds): Promise<boolean> {
    const claimed = await this.redis.eval(CLAIM_ALL, 2, ...keysOf(ids), 'pending', PENDING_TTL_SECONDS);
    return claimed === 1;
  }

  async confirm(ids: DeliveryIds): Promise<void> {
    const [eventKey, messageKey] = keysOf(ids);
    await this.redis
      .multi()
      .set(eventKey, 'kept', 'EX', KEPT_TTL_SECONDS)
      .set(messageKey, 'kept', 'EX', KEPT_TTL_SECONDS)
      .exec();
  }

  /** Lets Slack's retry of an event we failed to keep go through. */
  async release(ids: DeliveryIds): Promise<void> {
    await this.redis.del(...keysOf(ids));
  }
}

function keysOf(ids: DeliveryIds): [string, string] {
  return [webhookKeys.event(ids.botId, ids.eventId), webhookKeys.message(ids.botId, ids.teamId, ids.channel, ids.ts)];
}
