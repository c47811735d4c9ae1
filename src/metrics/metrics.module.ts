import { Global, Module } from '@nestjs/common';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { AppConfig } from '../config/config.types';
import { BuildInfo } from './build-info';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { METRIC } from './metrics.constants';

const SECONDS_FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SECONDS_JOB = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800];

const metricProviders = [
  makeCounterProvider({
    name: METRIC.slackEvents,
    help: 'Slack events received, by bot, event type and what became of them',
    labelNames: ['bot', 'type', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.webhookDuration,
    help: 'Time from a webhook request to its answer, by bot and HTTP status',
    labelNames: ['bot', 'status'],
    buckets: SECONDS_FAST,
  }),
  makeCounterProvider({
    name: METRIC.jobs,
    help: 'Claude jobs finished, by bot and outcome',
    labelNames: ['bot', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.jobDuration,
    help: 'Wall time of a Claude job from start to answer, by bot and outcome',
    labelNames: ['bot', 'outcome'],
    buckets: SECONDS_JOB,
  }),
  makeHistogramProvider({
    name: METRIC.jobWait,
    help: 'Time a job waited in the queue before it started, by bot',
    labelNames: ['bot'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  }),
  makeGaugeProvider({
    name: METRIC.jobsRunning,
    help: 'Claude jobs running in this process, by bot',
    labelNames: ['bot'],
  }),
  makeGaugeProvider({ name: METRIC.queueJobs, help: 'Jobs in the queue, by state', labelNames: ['state'] }),
  makeCounterProvider({
    name: METRIC.claudeCost,
    help: 'Estimated Claude spend in US dollars, by bot and model',
    labelNames: ['bot', 'model'],
  }),
  makeCounterProvider({
    name: METRIC.claudeTokens,
    help: 'Claude tokens used, by bot, model and kind',
    labelNames: ['bot', 'model', 'kind'],
  }),
  makeHistogramProvider({
    name: METRIC.claudeTurns,
    help: 'Model turns of one Claude run, by bot',
    labelNames: ['bot'],
    buckets: [1, 2, 3, 5, 8, 13, 21, 34, 55, 100],
  }),
  makeCounterProvider({
    name: METRIC.slackApiCalls,
    help: 'Calls to Slack Web API methods, by method and outcome',
    labelNames: ['method', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.slackApiDuration,
    help: 'Duration of Slack Web API calls, retries included, by method',
    labelNames: ['method'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  makeGaugeProvider({
    name: METRIC.buildInfo,
    help: 'Always 1; the labels say which version runs on which Node.js',
    labelNames: ['version', 'node'],
  }),
  makeHistogramProvider({
    name: METRIC.httpDuration,
    help: 'HTTP requests served, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: SECONDS_FAST,
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
  providers: [...metricProviders, BuildInfo, HttpMetricsMiddleware],
  exports: [...metricProviders, HttpMetricsMiddleware],
})
export class MetricsModule {}
