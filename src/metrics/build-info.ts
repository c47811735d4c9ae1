import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AppConfig } from '../config/config.types';
import { METRIC } from './metrics.constants';

@Injectable()
export class BuildInfo implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    @InjectMetric(METRIC.buildInfo) private readonly gauge: Gauge<'version' | 'node'>,
  ) {}

  onModuleInit(): void {
    this.gauge.set({ version: this.config.version, node: process.versions.node }, 1);
  }
}
