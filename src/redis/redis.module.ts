import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/config.types';
import { quickReconnect, redisOptionsFromUrl } from './redis-options';
import { REDIS_CLIENT } from './redis.constants';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig, PinoLogger],
      useFactory: (config: AppConfig, logger: PinoLogger): Redis => {
        const client = new Redis({
          ...redisOptionsFromUrl(config.redisUrl),
          // Fail fast while Redis is away, so that a webhook answers 503 at once and Slack retries.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2_000,
          retryStrategy: quickReconnect,
          connectionName: `${config.appName}-commands`,
        });
        client.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
