import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlackService } from '../slack/slack.service';
import { isSlackAuthError, slackErrorCode } from '../slack/slack.errors';
import { BotRegistry } from './bot-registry';
import type { BotConfig, BotIdentity } from './bot.types';
import { BotAuthError } from './bots.errors';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * Learns each bot's user and bot id from `auth.test`. Slack being unreachable is retried with
 * backoff (readiness stays 503 meanwhile); a refused token is fatal and is reported once.
 */
@Injectable()
export class BotIdentityService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly identities = new Map<string, BotIdentity>();
  private readonly stopping = new AbortController();
  private fatalHandler: (error: BotAuthError) => void = () => undefined;

  constructor(
    private readonly registry: BotRegistry,
    private readonly slack: SlackService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(BotIdentityService.name);
  }

  /** Where a refused token is reported: the entry point stops the process. */
  onFatal(handler: (error: BotAuthError) => void): void {
    this.fatalHandler = handler;
  }

  onApplicationBootstrap(): void {
    for (const bot of this.registry.all()) void this.identify(bot);
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
  }

  identityOf(botId: string): BotIdentity | undefined {
    return this.identities.get(botId);
  }

  /** Ids of the bots still waiting for `auth.test`. */
  unidentified(): string[] {
    return this.registry
      .all()
      .filter((bot) => !this.identities.has(bot.id))
      .map((bot) => bot.id);
  }

  private async identify(bot: BotConfig): Promise<void> {
    let delay = FIRST_RETRY_MS;
    while (!this.stopping.signal.aborted) {
      try {
        const identity = await this.slack.identify(bot);
        this.identities.set(bot.id, identity);
        this.logger.info({ bot: bot.id, userId: identity.userId, teamId: identity.teamId }, 'bot identified');
        return;
      } catch (error) {
        if (isSlackAuthError(error)) {
          const code = slackErrorCode(error) ?? 'invalid_auth';
          this.fatalHandler(new BotAuthError(`bot "${bot.id}": Slack refused its token (${code})`, { cause: error }));
          return;
        }
        this.logger.warn({ bot: bot.id, err: error, retryInMs: delay }, 'could not reach Slack to identify the bot');
        await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }
}
