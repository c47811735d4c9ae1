import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClaudeRunnerModule } from '../claude-runner/claude-runner.module';
import type { ProcessRole } from '../config/app-config';
import { runsJobs } from '../config/config.types';
import { HealthController } from './health.controller';
import { ReadinessIndicators } from './health.indicators';

@Module({})
export class HealthModule {
  static forRole(role: ProcessRole): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(runsJobs(role) ? [ClaudeRunnerModule] : [])],
      controllers: [HealthController],
      providers: [ReadinessIndicators],
    };
  }
}
