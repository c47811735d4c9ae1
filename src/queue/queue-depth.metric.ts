import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import type { Gauge } from 'prom-client';
import { withTimeout } from '../common/timeouts';
import { METRIC } from '../metrics/metrics.constants';
import { CLAUDE_QUEUE } from './queue.constants';

const COUNT_TIMEOUT_MS = 1_000;
const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/** The queue's depth by state, read from Redis when Prometheus scrapes, so it is never stale. */
@Injectable()
export class QueueDepthMetric implements OnModuleInit {
  constructor(
    @InjectQueue(CLAUDE_QUEUE) private readonly queue: Queue,
    @InjectMetric(METRIC.queueJobs) private readonly gauge: Gauge<'state'>,
  ) {}

  onModuleInit(): void {
    const { gauge, queue } = this;
    // prom-client calls a metric's `collect` before each scrape. It is normally given at creation,
    // where the queue is not known yet; the field is public at run time, only its typing is not.
    (gauge as Gauge<'state'> & { collect: () => Promise<void> }).collect = async () => {
      // While Redis is away the scrape must still answer; the depth is then simply not reported.
      const counts = await withTimeout(queue.getJobCounts(...STATES), COUNT_TIMEOUT_MS).catch(() => undefined);
      gauge.reset();
      if (counts) for (const state of STATES) gauge.set({ state }, counts[state] ?? 0);
    };
  }
}
