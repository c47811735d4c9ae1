import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/config.types';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

/** Where stop requests for running jobs are announced; every worker listens. */
export const STOP_CHANNEL = `${KEY_PREFIX}:stop-requests`;
const STOP_FLAG_TTL_SECONDS = 3600;

export interface StopRequest {
  readonly jobId: string;
  /** The Slack user who asked for the stop. */
  readonly by: string;
}

/**
 * Stop requests between processes: a flag per job (for a worker about to start it) and an
 * announcement (for the worker running it), heard on a connection of its own, since a subscribed
 * connection can do nothing else; it queues commands while reconnecting, so a stop said during a blip
 * is not lost. Only a process that listens opens that connection.
 */
@Injectable()
export class StopRequests implements OnApplicationShutdown {
  private subscriber: Redis | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(StopRequests.name);
  }

  async request(request: StopRequest): Promise<void> {
    await this.redis
      .multi()
      .set(flagKey(request.jobId), request.by, 'EX', STOP_FLAG_TTL_SECONDS)
      .publish(STOP_CHANNEL, JSON.stringify(request))
      .exec();
  }

  /** Who asked to stop this job, if anyone did: a worker checks before it starts the CLI. */
  async requestedBy(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(flagKey(jobId))) ?? undefined;
  }

  listen(handler: (request: StopRequest) => void): void {
    const subscriber = new Redis({
      ...redisOptionsFromUrl(this.config.redisUrl),
      connectionName: `${this.config.appName}-stops`,
    });
    subscriber.on('error', (error: Error) => this.logger.warn({ err: error }, 'stop channel connection error'));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        handler(JSON.parse(message) as StopRequest);
      } catch (error) {
        this.logger.warn({ err: error }, 'unreadable stop request');
      }
    });
    this.subscriber = subscriber;
    // Not awaited: with Redis away at start-up the subscription waits for it, and readiness says why.
    subscriber
      .subscribe(STOP_CHANNEL)
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not subscribe to stops'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}

function flagKey(jobId: string): string {
  return `${KEY_PREFIX}:stop:${jobId}`;
}
