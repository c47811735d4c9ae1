import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { webhookKeys } from './webhook-keys';

/** Counts the message; past the limit, tells the caller whether this is the window's first refusal. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count <= tonumber(ARGV[2]) then return {count, 0} end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return {count, 1} end
return {count, 0}`;

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** True once per user and window: the moment to send the ephemeral notice. */
  readonly notify: boolean;
}

/** A fixed window per user and bot, shared by every API process through Redis. */
@Injectable()
export class RateLimitRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async hit(botId: string, user: string, nowMs: number = Date.now()): Promise<RateLimitVerdict> {
    const { maxRequests, windowSeconds } = this.config.rateLimit;
    const window = Math.floor(nowMs / 1000 / windowSeconds);
    const keys = [webhookKeys.rateCount(botId, user, window), webhookKeys.rateNotice(botId, user, window)];
    const [count, notify] = (await this.redis.eval(HIT, 2, ...keys, windowSeconds, maxRequests)) as [number, number];
    return { allowed: count <= maxRequests, notify: notify === 1 };
  }
}
