import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, type Queue, UnrecoverableError, WaitingError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { settlesWithin, withTimeout } from '../common/timeouts';
import { AppConfig } from '../config/config.types';
import { SecretScrubber } from '../logging/secret-scrubber';
import { CLAUDE_QUEUE } from '../queue/queue.constants';
import type { RunClaudeJobData } from '../queue/queue.types';
import { type ThreadJob, ThreadOrderRepository } from '../queue/thread-order.repository';
import { ABORT, abortReasonOf } from './abort-reasons';
import { ClaudeRunError } from './claude-runner.errors';
import { JobSequencer } from './job-sequencer';
import type { JobContext } from './job-step';
import { JobFailureNotice } from './job-failure-notice';
import { StopRequests } from '../queue/stop-requests.repository';
import { ReadinessParts } from '../lifecycle/readiness-parts';
import { ShutdownState } from '../lifecycle/shutdown-state';

/** How soon a job waiting for its thread's earlier message looks again. */
const THREAD_BUSY_RETRY_MS = 500;
const HEARTBEAT_TIMEOUT_MS = 1_000;

/**
 * How fast a dead worker's job goes to another: its lock lapses 10 s after the last renewal (every
 * 5 s), and live workers look for such jobs every 5 s, so the next worker resumes it within about 15 s
 * of the death. A worker blocked long enough to miss two renewals loses the job and ends its CLI (see
 * lockRenewalFailed), so that one job never runs twice at once. Twice stalled is still resumed; a
 * third time it fails for good, and says so.
 */
const LOCKS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 2 } as const;

/** Takes jobs from the queue, one at a time per thread, WORKER_CONCURRENCY at once. */
@Processor(CLAUDE_QUEUE, { autorun: false, ...LOCKS })
export class ClaudeJobProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;

  constructor(
    private readonly jobs: JobSequencer,
    private readonly threadOrder: ThreadOrderRepository,
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue<RunClaudeJobData>,
    private readonly stops: StopRequests,
    private readonly failureNotice: JobFailureNotice,
    private readonly shutdown: ShutdownState,
    private readonly readiness: ReadinessParts,
    private readonly config: AppConfig,
    private readonly scrubber: SecretScrubber,
    private readonly logger: PinoLogger,
  ) {
    super();
    this.logger.setContext(ClaudeJobProcessor.name);
  }

  onApplicationBootstrap(): void {
    this.readiness.register({
      name: 'worker',
      problem: async () => ((await this.isHealthy()) ? undefined : 'the worker is not taking jobs'),
    });
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
    this.stops.listen(({ jobId, by }) => {
      if (this.worker.cancelJob(jobId, ABORT.stop(by))) this.logger.info({ jobId, by }, 'stopping a running job');
    });
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const jobId of jobIds) this.worker.cancelJob(jobId, ABORT.lockLost);
      this.logger.error({ jobIds }, 'lost the lock of running jobs; ending their runs here');
    });
    this.running = true;
    this.worker.run().catch((error: unknown) => {
      this.running = false;
      this.logger.error({ err: error }, 'worker stopped');
    });
  }

  /** Ready means the worker loop runs and its own Redis connection answers. */
  async isHealthy(): Promise<boolean> {
    if (!this.running || !this.worker.isRunning()) return false;
    const client = await this.worker.getBackend().client;
    return withTimeout(client.llen(`${this.queue.qualifiedName}:wait`), HEARTBEAT_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
  }

  async process(job: Job<RunClaudeJobData>, token?: string, signal?: AbortSignal): Promise<void> {
    const data = job.data;
    const threadJob: ThreadJob = { ...data, jobId: job.id ?? '' };
    if (!(await this.isTurnOf(threadJob))) {
      await job.moveToDelayed(Date.now() + THREAD_BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    const log = this.logger.logger.child({
      bot: data.botId,
      jobId: job.id,
      eventId: data.eventId,
      channel: data.channel,
      threadTs: data.threadTs,
      attempt: job.attemptsMade + 1,
    });
    const context: JobContext = {
      id: job.id ?? '',
      data,
      enqueuedAt: job.timestamp,
      signal,
      log,
    };
    try {
      await this.jobs.handle(context);
    } catch (error) {
      const lockLost = abortReasonOf(signal)?.kind === 'lock_lost';
      if (error instanceof ClaudeRunError && error.kind === 'interrupted' && !lockLost) {
        // Handed back: it keeps its place at the head of its thread.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // BullMQ keeps the message and stack as the job's failure reason.
      throw this.scrubber.scrubError(error);
    }
    await this.threadOrder.remove(threadJob);
  }

  /** A job that failed for good (retries spent, or lost with its worker too often) still says so once. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<RunClaudeJobData> | undefined, error: Error): Promise<void> {
    const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
    if (!job || (!final && job.attemptsMade < (job.opts.attempts ?? 1))) return;
    // Best effort: a head left behind is dropped by the next job of its thread anyway.
    await this.threadOrder.remove({ ...job.data, jobId: job.id ?? '' }).catch(() => undefined);
    await this.failureNotice.tell(job.id ?? '', job.data, error);
  }

  /** Stop taking jobs; give running ones SHUTDOWN_GRACE_SECONDS, then hand them back to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.begin();
    this.running = false;
    const closing = this.worker.close();
    if (await settlesWithin(closing, this.config.shutdownGraceSeconds * 1000)) return;
    this.logger.warn('shutdown grace is over: handing running jobs back to the queue');
    this.worker.cancelAllJobs(ABORT.shutdown);
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
