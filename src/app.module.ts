import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { AgentModule } from './agent/agent.module';
import { type AgentPlan, planAgents } from './agent/agent-plan';
import { BotsModule } from './bots/bots.module';
import type { BotConfig } from './bots/bot.types';
import { ClaudeRunnerModule } from './claude-runner/claude-runner.module';
import { ConfigModule } from './config/config.module';
import { type AppConfig, runsJobs, servesWebhooks } from './config/config.types';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  readonly config: AppConfig;
  readonly bots: readonly BotConfig[];
  /** Who runs each bot's CLI, for the roles that run jobs (see planAgents). */
  readonly agents?: AgentPlan;
  /** Where logs go; tests capture them. */
  readonly logDestination?: NodeJS.WritableStream;
}

/** One build, three roles: which feature modules load is decided by PROCESS_ROLE. */
@Module({})
export class AppModule implements NestModule {
  static forRole({ config, bots, agents, logDestination }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LifecycleModule,
        LoggingModule.forRoot(config, bots, logDestination),
        RedisModule,
        MetricsModule,
        BotsModule.forRoot(bots),
        HealthModule.forRoot(),
        ...(servesWebhooks(config.role) ? [WebhooksModule] : []),
        ...(runsJobs(config.role) ? [AgentModule.forRoot(agents ?? planAgents(config, bots)), ClaudeRunnerModule] : []),
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
