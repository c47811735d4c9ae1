import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, type Queue, WaitingError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/config.types';
import { CLAUDE_QUEUE } from '../queue/queue.constants';
import type { RunClaudeJobData } from '../queue/queue.types';
import { type ThreadJob, ThreadOrderRepository } from '../queue/thread-order.repository';
import { ClaudeJobService } from './claude-job.service';
import { ClaudeRunError } from './claude-runner.errors';
import { settlesWithin } from '../common/timeouts';

/** How soon a job waiting for its thread's earlier message looks again. */
const THREAD_BUSY_RETRY_MS = 500;

/** Takes jobs from the queue, one thread at a time per thread, WORKER_CONCURRENCY at once. */
@Processor(CLAUDE_QUEUE, { autorun: false })
export class ClaudeJobProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;

  constructor(
    private readonly jobs: ClaudeJobService,
    private readonly threadOrder: ThreadOrderRepository,
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue<RunClaudeJobData>,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    super();
    this.logger.setContext(ClaudeJobProcessor.name);
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
    this.running = true;
    this.worker.run().catch((error: unknown) => {
      this.running = false;
      this.logger.error({ err: error }, 'worker stopped');
    });
  }

  /** Ready means the worker loop is taking jobs. */
  isRunning(): boolean {
    return this.running && this.worker.isRunning();
  }

  async process(job: Job<RunClaudeJobData>, token?: string, signal?: AbortSignal): Promise<void> {
    const data = job.data;
    const log = this.logger.logger.child({ bot: data.botId, jobId: job.id, eventId: data.eventId });
    const threadJob: ThreadJob = { ...data, jobId: job.id ?? '' };
    if (!(await this.isTurnOf(threadJob))) {
      await job.moveToDelayed(Date.now() + THREAD_BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    try {
      await this.jobs.handle(data, log, signal);
    } catch (error) {
      if (error instanceof ClaudeRunError && error.kind === 'interrupted') {
        // Handed back: it keeps its place at the head of its thread.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      await this.threadOrder.remove(threadJob);
      throw error;
    }
    await this.threadOrder.remove(threadJob);
  }

  /** Stop taking jobs; give running ones SHUTDOWN_GRACE_SECONDS, then hand them back to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    const closing = this.worker.close();
    if (await settlesWithin(closing, this.config.shutdownGraceSeconds * 1000)) return;
    this.logger.warn('shutdown grace is over: handing running jobs back to the queue');
    this.worker.cancelAllJobs('shutdown');
    await closing;
  }

  /**
   * A job runs when it heads its thread. A head whose job is gone or finished (lost, or removed by
   * hand) is dropped so that it cannot hold the thread forever.
   */
  private async isTurnOf(job: ThreadJob): Promise<boolean> {
    for (;;) {
      const head = await this.threadOrder.head(job);
      if (head === undefined || head === job.jobId) return true;
      const state = await this.queue.getJobState(head);
      if (!['unknown', 'completed', 'failed'].includes(state)) return false;
      await this.threadOrder.removeJobId(job, head);
    }
  }
}
