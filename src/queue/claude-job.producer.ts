import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Queue } from 'bullmq';
import { withTimeout } from '../common/timeouts';
import { SecretScrubber } from '../logging/secret-scrubber';
import { CLAUDE_QUEUE, ENQUEUE_TIMEOUT_MS, JOB_OPTIONS, JobName } from './queue.constants';
import { EnqueueError } from './queue.errors';
import type { RunClaudeJobData } from './queue.types';
import { ThreadOrderRepository } from './thread-order.repository';

/** The only place that adds jobs. */
@Injectable()
export class ClaudeJobProducer implements OnModuleInit {
  constructor(
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue<RunClaudeJobData>,
    private readonly threadOrder: ThreadOrderRepository,
    private readonly scrubber: SecretScrubber,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(ClaudeJobProducer.name);
  }

  onModuleInit(): void {
    // Without a listener, connection errors would go to stderr unstructured; readiness reports the outage.
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'queue connection error'));
  }

  async enqueue(data: RunClaudeJobData): Promise<string> {
    // The id is the message's: an add that reaches Redis late (after we gave up), or another delivery's
    // add after it took the message's claim over, makes no second job.
    const jobId = messageJobId(data);
    const threadJob = { ...data, jobId };
    await this.threadOrder.register(threadJob);
    // BullMQ keeps job data in clear text: a secret pasted in a message is not kept with it.
    const add = this.queue.add(JobName.RunClaude, this.scrubber.scrubDeep(data), { jobId, ...JOB_OPTIONS });
    try {
      await withTimeout(add, ENQUEUE_TIMEOUT_MS, 'answer from Redis');
      return jobId;
    } catch (error) {
      // Best effort: when Redis is away this fails too, and the worker drops heads whose job never came.
      await this.threadOrder.remove(threadJob).catch(() => undefined);
      throw new EnqueueError(`could not enqueue the job for message ${data.messageTs}`, { cause: error });
    }
  }
}

export function messageJobId(data: Pick<RunClaudeJobData, 'botId' | 'teamId' | 'channel' | 'messageTs'>): string {
  return [data.botId, data.teamId, data.channel, data.messageTs].join('-');
}
