import { Global, Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { AppConfig } from '../config/config.types';
import { JOB_DURATION_SECONDS, JOBS_TOTAL, SLACK_EVENTS_TOTAL } from './metrics.constants';

const metricProviders = [
  makeCounterProvider({
    name: SLACK_EVENTS_TOTAL,
    help: 'Slack events received, by bot, event type and what became of them',
    labelNames: ['bot', 'type', 'outcome'],
  }),
  makeCounterProvider({
    name: JOBS_TOTAL,
    help: 'Claude jobs finished, by bot and outcome',
    labelNames: ['bot', 'outcome'],
  }),
  makeHistogramProvider({
    name: JOB_DURATION_SECONDS,
    help: 'Wall time of a Claude job from start to answer, by bot and outcome',
    labelNames: ['bot', 'outcome'],
    buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800],
  }),
];

@Global()
@Module({
  imports: [
    PrometheusModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        path: '/metrics',
        defaultMetrics: { enabled: true },
        defaultLabels: { app: config.appName },
      }),
    }),
  ],
  providers: metricProviders,
  exports: metricProviders,
})
export class MetricsModule {}
