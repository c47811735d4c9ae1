import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

export interface ThreadKey {
  readonly botId: string;
  readonly channel: string;
  readonly threadTs: string;
}

export interface ThreadSession {
  readonly sessionId: string;
  /** The session's cumulative cost after its last run: the CLI reports totals, a job costs the difference. */
  readonly costUsd: number;
}

/** The Claude session each thread talks in, remembered for SESSION_TTL_SECONDS after its last use. */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async find(thread: ThreadKey): Promise<ThreadSession | undefined> {
    const stored = await this.redis.hgetall(keyOf(thread));
    if (stored.sessionId === undefined) return undefined;
    return { sessionId: stored.sessionId, costUsd: Number(stored.costUsd ?? 0) || 0 };
  }

  async save(thread: ThreadKey, session: ThreadSession): Promise<void> {
    const key = keyOf(thread);
    await this.redis
      .multi()
      .del(key)
      .hset(key, { sessionId: session.sessionId, costUsd: String(session.costUsd) })
      .expire(key, this.config.sessionTtlSeconds)
      .exec();
  }

  async forget(thread: ThreadKey): Promise<void> {
    await this.redis.del(keyOf(thread));
  }
}

function keyOf(thread: ThreadKey): string {
  return `${KEY_PREFIX}:${thread.botId}:session:${thread.channel}:${thread.threadTs}`;
}
