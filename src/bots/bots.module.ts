import { type DynamicModule, Global, Module } from '@nestjs/common';
import { SlackModule } from '../slack/slack.module';
import { BotIdentityService } from './bot-identity.service';
import { BotRegistry } from './bot-registry';
import type { BotConfig } from './bot.types';

@Global()
@Module({})
export class BotsModule {
  static forRoot(bots: readonly BotConfig[]): DynamicModule {
    return {
      module: BotsModule,
      imports: [SlackModule],
      providers: [{ provide: BotRegistry, useValue: new BotRegistry(bots) }, BotIdentityService],
      exports: [BotRegistry, BotIdentityService],
    };
  }
}
