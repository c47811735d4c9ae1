import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { SlackModule } from '../slack/slack.module';
import { DedupeRepository } from './dedupe.repository';
import { EventIntake } from './event-intake.service';
import { RateLimitRepository } from './rate-limit.repository';
import { RawBodyMiddleware } from './raw-body.middleware';
import { ThreadRepository } from './thread.repository';
import { WebhookService } from './webhook.service';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [QueueModule, SlackModule],
  controllers: [WebhooksController],
  providers: [WebhookService, EventIntake, DedupeRepository, RateLimitRepository, ThreadRepository],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RawBodyMiddleware).forRoutes(WebhooksController);
  }
}
