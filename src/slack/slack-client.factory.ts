import { Injectable } from '@nestjs/common';
import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/config.types';

/** One WebClient per bot token, all pointed at the configured Web API URL. */
@Injectable()
export class SlackClientFactory {
  private readonly clients = new Map<string, WebClient>();

  constructor(
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SlackClientFactory.name);
  }

  forToken(token: string): WebClient {
    let client = this.clients.get(token);
    if (!client) {
      client = new WebClient(token, {
        slackApiUrl: this.config.slackApiUrl,
        // Slack's default keeps a failing call pending for half an hour; a reply that late helps nobody.
        retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
        logger: this.slackLogger(),
      });
      this.clients.set(token, client);
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
