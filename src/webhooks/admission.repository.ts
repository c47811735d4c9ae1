import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { webhookKeys } from './webhook-keys';

/**
 * While a claimed message is being enqueued its keys live briefly, so that a process dying in
 * between does not swallow Slack's later retries; once the job is kept they outlive Slack's last retry.
 */
const PENDING_TTL_SECONDS = 60;
const KEPT_TTL_SECONDS = 24 * 3600;

/**
 * One round trip decides a delivery: a duplicate (either key already there), over the user's rate
 * limit (counted only for new messages; the window's first refusal also claims the notice), or
 * admitted. Claims are set in every case but a duplicate, so that a retry is a duplicate.
 * KEYS: event, message, rate count, rate notice. ARGV: pending ttl, kept ttl, window, limit.
 * Returns 0 duplicate, 1 admitted, 2 rate limited, 3 rate limited and first in the window.
 */
const ADMIT = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local count = redis.call('INCR', KEYS[3])
if count == 1 then redis.call('EXPIRE', KEYS[3], ARGV[3]) end
if count <= tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], 'pending', 'EX', ARGV[1])
  redis.call('SET', KEYS[2], 'pending', 'EX', ARGV[1])
  return 1
end
redis.call('SET', KEYS[1], 'kept', 'EX', ARGV[2])
redis.call('SET', KEYS[2], 'kept', 'EX', ARGV[2])
if redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[3]) then return 3 end
return 2`;

export interface DeliveryIds {
  readonly botId: string;
  readonly eventId: string;
  readonly teamId: string;
  readonly channel: string;
  readonly ts: string;
  readonly user: string;
}

export type Admission = 'duplicate' | 'admitted' | 'rate_limited' | 'rate_limited_first';

const ADMISSIONS: Record<number, Admission> = {
  0: 'duplicate',
  1: 'admitted',
  2: 'rate_limited',
  3: 'rate_limited_first',
};

type AdmissionClient = Redis & {
  admitDelivery(...args: [string, string, string, string, number, number, number, number]): Promise<number>;
};

/**
 * One user message is one job: Slack's retries share the event id, and the `app_mention` and
 * `message` twins of one mention share team, channel and ts. Each user has a fixed window of
 * messages per bot, shared by every API process.
 */
@Injectable()
export class AdmissionRepository implements OnModuleInit {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // A defined command runs by its SHA: the script text crosses the wire once, not per webhook.
    this.redis.defineCommand('admitDelivery', { numberOfKeys: 4, lua: ADMIT });
  }

  async admit(ids: DeliveryIds, nowMs: number = Date.now()): Promise<Admission> {
    const { maxRequests, windowSeconds } = this.config.rateLimit;
    const window = Math.floor(nowMs / 1000 / windowSeconds);
    const verdict = await (this.redis as AdmissionClient).admitDelivery(
      ...claimKeys(ids),
      webhookKeys.rateCount(ids.botId, ids.user, window),
      webhookKeys.rateNotice(ids.botId, ids.user, window),
      PENDING_TTL_SECONDS,
      KEPT_TTL_SECONDS,
      windowSeconds,
      maxRequests,
    );
    return ADMISSIONS[verdict] ?? 'duplicate';
  }

  /** The job is queued: its claims last past Slack's retries, and its thread counts as one the bot talks in. */
  async keep(ids: DeliveryIds, threadTs: string): Promise<void> {
    const [eventKey, messageKey] = claimKeys(ids);
    await this.redis
      .multi()
      .set(eventKey, 'kept', 'EX', KEPT_TTL_SECONDS)
      .set(messageKey, 'kept', 'EX', KEPT_TTL_SECONDS)
      .set(webhookKeys.thread(ids.botId, ids.channel, threadTs), '1', 'EX', this.config.sessionTtlSeconds)
      .exec();
  }

  /** Lets Slack's retry of a delivery we failed to keep go through. */
  async release(ids: DeliveryIds): Promise<void> {
    await this.redis.del(...claimKeys(ids));
  }
}

function claimKeys(ids: DeliveryIds): [string, string] {
  return [webhookKeys.event(ids.botId, ids.eventId), webhookKeys.message(ids.botId, ids.teamId, ids.channel, ids.ts)];
}
