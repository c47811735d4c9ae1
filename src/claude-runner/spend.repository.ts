import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

/** A day's counter outlives its day a little, so that a job finishing after midnight still lands. */
const KEEP_SECONDS = 2 * 24 * 3600;

/** Each bot's spend per UTC day, for `budgetUsdPerDay`. */
@Injectable()
export class SpendRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async spentToday(botId: string, now = new Date()): Promise<number> {
    return Number((await this.redis.get(keyOf(botId, now))) ?? 0);
  }

  async add(botId: string, usd: number, now = new Date()): Promise<void> {
    if (!(usd > 0)) return;
    const key = keyOf(botId, now);
    await this.redis.multi().incrbyfloat(key, usd).expire(key, KEEP_SECONDS).exec();
  }
}

function keyOf(botId: string, now: Date): string {
  return `${KEY_PREFIX}:${botId}:spend:${now.toISOString().slice(0, 10)}`;
}
