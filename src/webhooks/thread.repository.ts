import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { webhookKeys } from './webhook-keys';

/** The threads a bot is talking in: plain replies there are follow-ups it answers without a mention. */
@Injectable()
export class ThreadRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async isActive(botId: string, channel: string, threadTs: string): Promise<boolean> {
    return (await this.redis.exists(webhookKeys.thread(botId, channel, threadTs))) === 1;
  }

  async markActive(botId: string, channel: string, threadTs: string): Promise<void> {
    await this.redis.set(webhookKeys.thread(botId, channel, threadTs), '1', 'EX', this.config.sessionTtlSeconds);
  }
}
