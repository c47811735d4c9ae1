import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

export interface ThreadKey {
  readonly botId: string;
  readonly channel: string;
  readonly threadTs: string;
}

/** The Claude session each thread talks in, remembered for SESSION_TTL_SECONDS after its last use. */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async find(thread: ThreadKey): Promise<string | undefined> {
    return (await this.redis.get(keyOf(thread))) ?? undefined;
  }

  async save(thread: ThreadKey, sessionId: string): Promise<void> {
    await this.redis.set(keyOf(thread), sessionId, 'EX', this.config.sessionTtlSeconds);
  }

  async forget(thread: ThreadKey): Promise<void> {
    await this.redis.del(keyOf(thread));
  }
}

function keyOf(thread: ThreadKey): string {
  return `${KEY_PREFIX}:${thread.botId}:session:${thread.channel}:${thread.threadTs}`;
}
