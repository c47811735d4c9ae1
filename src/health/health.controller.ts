import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
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

  /** Always 200: what runs here, and the state of each part readiness depends on. */
  @Get()
  async status() {
    const results = await Promise.all(this.checks().map(async (check) => check()));
    const parts = Object.fromEntries(
      results.flatMap((result) => Object.entries(result).map(([part, state]) => [part, state.status])),
    );
    return {
      status: 'ok',
      version: this.config.version,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      role: this.config.role,
      parts,
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
    return this.health.check(this.checks());
  }

  private checks(): (() => HealthIndicatorResult | Promise<HealthIndicatorResult>)[] {
    return [
      () => this.readiness.notShuttingDown(),
      () => this.readiness.redisAnswers(),
      () => this.readiness.botsIdentified(),
      ...this.readiness.addedParts(),
    ];
  }
}
