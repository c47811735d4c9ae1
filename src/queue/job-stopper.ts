import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';
import { messageJobId } from './claude-job.producer';
import { CLAUDE_QUEUE } from './queue.constants';
import type { RunClaudeJobData } from './queue.types';
import { ThreadOrderRepository } from './thread-order.repository';

/** Where stop requests for running jobs are announced; every worker listens. */
export const STOP_CHANNEL = `${KEY_PREFIX}:stop-requests`;
const STOP_FLAG_TTL_SECONDS = 3600;

export interface StopRequest {
  readonly jobId: string;
  /** The Slack user who asked for the stop. */
  readonly by: string;
}

export interface StopResult {
  /** Jobs that had not started and were removed from the queue. */
  readonly removed: number;
  /** Running jobs whose worker was told to stop them. */
  readonly signalled: number;
}

/**
 * Stops jobs on behalf of a Slack user: a queued job is removed, a running one is flagged in Redis
 * (for a worker about to start it) and announced on a channel (for the worker running it).
 */
@Injectable()
export class JobStopper {
  constructor(
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue<RunClaudeJobData>,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly threadOrder: ThreadOrderRepository,
  ) {}

  /** The job that a message started, if it has not finished. */
  async unfinishedJobOf(
    botId: string,
    teamId: string,
    channel: string,
    ts: string,
  ): Promise<RunClaudeJobData | undefined> {
    const job = await this.queue.getJob(messageJobId({ botId, teamId, channel, messageTs: ts }));
    if (!job) return undefined;
    const state = await job.getState();
    return state === 'completed' || state === 'failed' ? undefined : job.data;
  }

  /** Stops every unfinished job of a thread. */
  async stopThread(botId: string, channel: string, threadTs: string, by: string): Promise<StopResult> {
    const thread = { botId, channel, threadTs };
    let removed = 0;
    let signalled = 0;
    for (const jobId of await this.threadOrder.jobIds(thread)) {
      const state = await this.queue.getJobState(jobId);
      if (state === 'active') {
        await this.signal({ jobId, by });
        signalled += 1;
      } else if (state !== 'completed' && state !== 'failed' && state !== 'unknown') {
        if (await this.removeQueued(jobId, by)) removed += 1;
        else signalled += 1;
      }
      if (state !== 'active') await this.threadOrder.removeJobId(thread, jobId);
    }
    return { removed, signalled };
  }

  /** Who asked to stop this job, if anyone did: a worker checks before it starts the CLI. */
  async stopRequestedBy(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(stopFlagKey(jobId))) ?? undefined;
  }

  /** A job can start between our look and the removal; then it is stopped like a running one. */
  private async removeQueued(jobId: string, by: string): Promise<boolean> {
    try {
      await this.queue.remove(jobId);
      return true;
    } catch {
      await this.signal({ jobId, by });
      return false;
    }
  }

  private async signal(request: StopRequest): Promise<void> {
    await this.redis.set(stopFlagKey(request.jobId), request.by, 'EX', STOP_FLAG_TTL_SECONDS);
    await this.redis.publish(STOP_CHANNEL, JSON.stringify(request));
  }
}

function stopFlagKey(jobId: string): string {
  return `${KEY_PREFIX}:stop:${jobId}`;
}
