import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AppConfig } from '../config/config.types';
import { ReadinessIndicators } from './health.indicators';

@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  @Get()
  status() {
    return {
      status: 'ok',
      version: this.config.version,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      role: this.config.role,
    };
  }

  /** Answers while the event loop turns; nothing else, so that a Redis outage does not restart pods. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const worker = this.readiness.workerRunning();
    return this.health.check([
      () => this.readiness.redisAnswers(),
      () => this.readiness.botsIdentified(),
      ...(worker ? [worker] : []),
    ]);
  }
}
