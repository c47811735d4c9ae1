import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobType, Queue } from 'bullmq';
import { messageJobId } from './claude-job.producer';
import { CLAUDE_QUEUE } from './queue.constants';
import { StopRequests } from './stop-requests.repository';
import type { RunClaudeJobData } from './queue.types';
import { type ThreadJob, ThreadOrderRepository } from './thread-order.repository';

const UNFINISHED_STATES: JobType[] = ['active', 'waiting', 'prioritized', 'delayed'];
/**
 * How many of the newest jobs of each unfinished state a channel-wide stop looks through. It serves a
 * DM's `stop`, where one person's few jobs are among the newest.
 */
export const CHANNEL_STOP_SCAN = 1_000;

export interface StopResult {
  /** Jobs that had not started and were removed from the queue. */
  readonly removed: number;
  /** Running jobs whose worker was told to stop them. */
  readonly signalled: number;
  /** Unfinished jobs left alone because someone else asked them. */
  readonly refused: number;
}

type Thread = Omit<ThreadJob, 'jobId' | 'messageTs'>;
type Tally = { -readonly [K in keyof StopResult]: number };

/**
 * Stops jobs on behalf of a Slack user: a queued job is removed, a running one is flagged in Redis
 * (for a worker about to start it) and announced on a channel (for the worker running it). Given
 * `askedBy`, it stops only the jobs that person asked and counts the others as refused.
 */
@Injectable()
export class JobStopper {
  constructor(
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue<RunClaudeJobData>,
    private readonly threadOrder: ThreadOrderRepository,
    private readonly stops: StopRequests,
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

  /** Stops the job of one message. */
  async stopMessage(job: RunClaudeJobData, by: string): Promise<StopResult> {
    const tally: Tally = { removed: 0, signalled: 0, refused: 0 };
    await this.stopOne(job, messageJobId(job), by, undefined, tally);
    return tally;
  }

  /** Stops the unfinished jobs of a thread: every one, or only those `askedBy` asked. */
  async stopThread(
    botId: string,
    channel: string,
    threadTs: string,
    by: string,
    askedBy?: string,
  ): Promise<StopResult> {
    const thread = { botId, channel, threadTs };
    const tally: Tally = { removed: 0, signalled: 0, refused: 0 };
    for (const jobId of await this.threadOrder.jobIds(thread)) await this.stopOne(thread, jobId, by, askedBy, tally);
    return tally;
  }

  /** The threads of a channel that have unfinished jobs, among the newest CHANNEL_STOP_SCAN of each state. */
  async threadsWithUnfinishedJobs(botId: string, teamId: string, channel: string): Promise<string[]> {
    const prefix = messageJobId({ botId, teamId, channel, messageTs: '' });
    const jobIds = await this.queue.getRanges(UNFINISHED_STATES, 0, CHANNEL_STOP_SCAN - 1);
    const threads = new Set<string>();
    for (const jobId of jobIds.filter((id) => id.startsWith(prefix))) {
      const job = await this.queue.getJob(jobId);
      if (job?.data.botId === botId && job.data.channel === channel) threads.add(job.data.threadTs);
    }
    return [...threads];
  }

  private async stopOne(thread: Thread, jobId: string, by: string, askedBy: string | undefined, tally: Tally) {
    const job = await this.queue.getJob(jobId);
    const state = job ? await job.getState() : 'unknown';
    if (!job || state === 'completed' || state === 'failed' || state === 'unknown') {
      await this.threadOrder.removeJobId(thread, jobId);
      return;
    }
    if (askedBy !== undefined && job.data.user !== askedBy) {
      tally.refused += 1;
      return;
    }
    if (state === 'active') {
      await this.stops.request({ jobId, by });
      tally.signalled += 1;
      return;
    }
    if (await this.removeQueued(jobId, by)) tally.removed += 1;
    else tally.signalled += 1;
    await this.threadOrder.removeJobId(thread, jobId);
  }

  /** A job can start between our look and the removal; then it is stopped like a running one. */
  private async removeQueued(jobId: string, by: string): Promise<boolean> {
    try {
      await this.queue.remove(jobId);
      return true;
    } catch {
      await this.stops.request({ jobId, by });
      return false;
    }
  }
}
