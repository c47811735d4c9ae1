import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import {
  type FilesUploadV2Arguments,
  LogLevel,
  type Logger as SlackLogger,
  type WebAPICallResult,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import { PinoLogger } from 'nestjs-pino';
import type { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../config/config.types';
import { SecretScrubber } from '../logging/secret-scrubber';
import { METRIC, type SlackCallOutcome } from '../metrics/metrics.constants';
import { slackErrorCode } from './slack.errors';

/** `reliable` waits out rate limits and retries failures; `fast` gives up at once (progress updates). */
export type ClientKind = 'reliable' | 'fast';

/**
 * One WebClient per bot token and kind, pointed at the configured Web API URL, measured, and scrubbed:
 * no text reaches Slack with a secret in it, whichever call sends it.
 */
@Injectable()
export class SlackClientFactory {
  private readonly clients = new Map<string, WebClient>();

  constructor(
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
    @InjectMetric(METRIC.slackApiCalls) private readonly calls: Counter<'method' | 'outcome'>,
    @InjectMetric(METRIC.slackApiDuration) private readonly durations: Histogram<'method'>,
    scrubber: SecretScrubber,
  ) {
    this.logger.setContext(SlackClientFactory.name);
    this.GuardedClient = guardedClient(calls, durations, scrubber);
  }

  /**
   * Every method goes through `apiCall`, but for `filesUploadV2`, which posts the file's bytes itself;
   * the client binds its methods to them when it is built, so guarding takes a subclass, not a wrapper.
   */
  private readonly GuardedClient: typeof WebClient;

  forToken(token: string, kind: ClientKind = 'reliable'): WebClient {
    const key = `${kind}:${token}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new this.GuardedClient(token, {
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

function guardedClient(
  calls: Counter<'method' | 'outcome'>,
  durations: Histogram<'method'>,
  scrubber: SecretScrubber,
): typeof WebClient {
  return class GuardedWebClient extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
      const stop = durations.startTimer({ method });
      let outcome: SlackCallOutcome = 'ok';
      try {
        return await super.apiCall(method, options && scrubbed(scrubber, options));
      } catch (error) {
        const rateLimited = error instanceof WebAPIRateLimitedError || slackErrorCode(error) === 'ratelimited';
        outcome = rateLimited ? 'ratelimited' : 'error';
        throw error;
      } finally {
        stop();
        calls.inc({ method, outcome });
      }
    }

    /** Its text content, file names, title and comment are scrubbed; a `file` given as bytes or a path is not. */
    override filesUploadV2(options: FilesUploadV2Arguments): ReturnType<WebClient['filesUploadV2']> {
      return super.filesUploadV2(scrubbed(scrubber, options));
    }
  };
}

/** Every string argument, but the token a call may carry for itself. */
function scrubbed<T extends object>(scrubber: SecretScrubber, options: T): T {
  if (!('token' in options)) return scrubber.scrubDeep(options);
  const { token, ...rest } = options;
  return { ...scrubber.scrubDeep(rest), token } as T;
}
