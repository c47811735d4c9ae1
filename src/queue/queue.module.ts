import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.types';
import { quickReconnect, redisOptionsFromUrl } from '../redis/redis-options';
import { ClaudeJobProducer } from './claude-job.producer';
import { CLAUDE_QUEUE, QUEUE_PREFIX } from './queue.constants';
import { JobStopper } from './job-stopper';
import { QueueDepthMetric } from './queue-depth.metric';
import { StopRequests } from './stop-requests.repository';
import { ThreadOrderRepository } from './thread-order.repository';

@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: {
          ...redisOptionsFromUrl(config.redisUrl),
          connectionName: `${config.appName}-queue`,
          retryStrategy: quickReconnect,
        },
        prefix: QUEUE_PREFIX,
      }),
    }),
    BullModule.registerQueue({ name: CLAUDE_QUEUE }),
  ],
  providers: [ClaudeJobProducer, ThreadOrderRepository, JobStopper, StopRequests, QueueDepthMetric],
  exports: [ClaudeJobProducer, ThreadOrderRepository, JobStopper, StopRequests, BullModule],
})
export class QueueModule {}
