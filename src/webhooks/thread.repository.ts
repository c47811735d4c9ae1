import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { webhookKeys } from './webhook-keys';

/** The threads a bot is talking in (marked when a job is kept): plain replies there are follow-ups. */
@Injectable()
export class ThreadRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async isActive(botId: string, channel: string, threadTs: string): Promise<boolean> {
    return (await this.redis.exists(webhookKeys.thread(botId, channel, threadTs))) === 1;
  }
}
