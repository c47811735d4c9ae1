import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/config.types';
import { STOP_CHANNEL, type StopRequest } from '../queue/job-stopper';
import { redisOptionsFromUrl } from '../redis/redis-options';

/**
 * Hears stop requests from any API process. A subscribed connection can do nothing else, so it is
 * its own; it queues commands while reconnecting, so a stop said during a blip is not lost.
 */
@Injectable()
export class StopListener implements OnModuleInit, OnApplicationShutdown {
  private subscriber: Redis | undefined;
  private handler: (request: StopRequest) => void = () => undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(StopListener.name);
  }

  onStop(handler: (request: StopRequest) => void): void {
    this.handler = handler;
  }

  onModuleInit(): void {
    const subscriber = new Redis({
      ...redisOptionsFromUrl(this.config.redisUrl),
      connectionName: `${this.config.appName}-stops`,
    });
    subscriber.on('error', (error: Error) => this.logger.warn({ err: error }, 'stop channel connection error'));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.handler(JSON.parse(message) as StopRequest);
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
