import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { SlackModule } from '../slack/slack.module';
import { AdmissionRepository } from './admission.repository';
import { EventIntake } from './event-intake.service';
import { RawBodyMiddleware } from './raw-body.middleware';
import { StopIntake } from './stop-intake.service';
import { ThreadRepository } from './thread.repository';
import { WebhookService } from './webhook.service';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [QueueModule, SlackModule],
  controllers: [WebhooksController],
  providers: [WebhookService, EventIntake, StopIntake, AdmissionRepository, ThreadRepository],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RawBodyMiddleware).forRoutes(WebhooksController);
  }
}
