import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import {
  LogLevel,
  type Logger as SlackLogger,
  type WebAPICallResult,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import { PinoLogger } from 'nestjs-pino';
import type { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../config/config.types';
import { METRIC, type SlackCallOutcome } from '../metrics/metrics.constants';
import { slackErrorCode } from './slack.errors';

/** `reliable` waits out rate limits and retries failures; `fast` gives up at once (progress updates). */
export type ClientKind = 'reliable' | 'fast';

/** One WebClient per bot token and kind, pointed at the configured Web API URL and measured. */
@Injectable()
export class SlackClientFactory {
  private readonly clients = new Map<string, WebClient>();

  constructor(
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
    @InjectMetric(METRIC.slackApiCalls) private readonly calls: Counter<'method' | 'outcome'>,
    @InjectMetric(METRIC.slackApiDuration) private readonly durations: Histogram<'method'>,
  ) {
    this.logger.setContext(SlackClientFactory.name);
    this.MeasuredClient = measuredClient(calls, durations);
  }

  /**
   * Every method goes through `apiCall`; the client binds its methods to it when it is built, so
   * measuring takes a subclass rather than a wrapper.
   */
  private readonly MeasuredClient: typeof WebClient;

  forToken(token: string, kind: ClientKind = 'reliable'): WebClient {
    const key = `${kind}:${token}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new this.MeasuredClient(token, {
        slackApiUrl: this.config.slackApiUrl,
        // Slack's default keeps a failing call pending for half an hour; a reply that late helps nobody.
        retryConfig:
          kind === 'reliable'
            ? { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true }
            : { retries: 0 },
        rejectRateLimitedCalls: kind === 'fast',
        logger: this.slackLogger(),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private slackLogger(): SlackLogger {
    const log = this.logger;
    let level = LogLevel.WARN;
    return {
      // The client narrates every request at debug level: worth seeing only when tracing.
      debug: (...messages: unknown[]) => log.trace({ slack: messages.map(String) }, 'slack client'),
      info: (...messages: unknown[]) => log.trace({ slack: messages.map(String) }, 'slack client'),
      warn: (...messages: unknown[]) => log.warn({ slack: messages.map(String) }, 'slack client'),
      error: (...messages: unknown[]) => log.error({ slack: messages.map(String) }, 'slack client'),
      setLevel: (next: LogLevel) => {
        level = next;
      },
      getLevel: () => level,
      setName: () => undefined,
    };
  }
}

function measuredClient(calls: Counter<'method' | 'outcome'>, durations: Histogram<'method'>): typeof WebClient {
  return class MeasuredWebClient extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
      const stop = durations.startTimer({ method });
      let outcome: SlackCallOutcome = 'ok';
      try {
        return await super.apiCall(method, options);
      } catch (error) {
        const rateLimited = error instanceof WebAPIRateLimitedError || slackErrorCode(error) === 'ratelimited';
        outcome = rateLimited ? 'ratelimited' : 'error';
        throw error;
      } finally {
        stop();
        calls.inc({ method, outcome });
      }
    }
  };
}
