import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.types';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

export interface ThreadJob {
  readonly botId: string;
  readonly channel: string;
  readonly threadTs: string;
  readonly messageTs: string;
  readonly jobId: string;
}

/**
 * The unfinished jobs of each thread, oldest message first. A job runs only at the head, so the
 * messages of one thread are answered one at a time and in order, while other threads go on.
 * Members are `<message ts>|<job id>` under one score, so Redis orders them by the exact ts string.
 */
@Injectable()
export class ThreadOrderRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async register(job: ThreadJob): Promise<void> {
    const key = keyOf(job);
    await this.redis.multi().zadd(key, 0, memberOf(job)).expire(key, String(this.config.sessionTtlSeconds)).exec();
  }

  /** The job at the head of its thread, or undefined when the thread has nothing pending. */
  async head(job: Omit<ThreadJob, 'jobId' | 'messageTs'>): Promise<string | undefined> {
    const [first] = await this.redis.zrange(keyOf(job), 0, '0');
    return first?.split('|')[1];
  }

  /** Every unfinished job of a thread, oldest message first. */
  async jobIds(thread: Omit<ThreadJob, 'jobId' | 'messageTs'>): Promise<string[]> {
    const members = await this.redis.zrange(keyOf(thread), 0, '-1');
    return members.map((member) => member.split('|')[1]);
  }

  async remove(job: ThreadJob): Promise<void> {
    await this.redis.zrem(keyOf(job), memberOf(job));
  }

  /** Drops a head whose job no longer exists, so that a lost job cannot block its thread. */
  async removeJobId(job: Omit<ThreadJob, 'messageTs' | 'jobId'>, jobId: string): Promise<void> {
    const members = await this.redis.zrange(keyOf(job), 0, '-1');
    const stale = members.filter((member) => member.endsWith(`|${jobId}`));
    if (stale.length > 0) await this.redis.zrem(keyOf(job), ...stale);
  }
}

function keyOf(job: Pick<ThreadJob, 'botId' | 'channel' | 'threadTs'>): string {
  return `${KEY_PREFIX}:${job.botId}:thread-jobs:${job.channel}:${job.threadTs}`;
}

function memberOf(job: ThreadJob): string {
  return `${job.messageTs}|${job.jobId}`;
}
