import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { BotIdentityService } from '../bots/bot-identity.service';
import { BotRegistry } from '../bots/bot-registry';
import type { BotConfig } from '../bots/bot.types';
import { type EventOutcome, SLACK_EVENTS_TOTAL } from '../metrics/metrics.constants';
import { appIdOf, parseBody, toEnvelope } from './envelope-parser';
import { routeEvent } from './event-router';
import { EventIntake } from './event-intake.service';
import { isValidSlackSignature, type SignedRequest } from './slack-signature';
import type { EventCallback } from './slack-events.types';
import { BotNotReadyError, InvalidSignatureError, UnknownBotError } from './webhooks.errors';

export interface IncomingWebhook extends SignedRequest {
  /** From the route `/webhooks/slack/:botId`; absent on the shared route. */
  readonly botId?: string;
}

export type WebhookAnswer = { readonly challenge: string } | { readonly ok: true };

/** Authenticates a Slack delivery, answers handshakes, and hands events to routing and intake. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly registry: BotRegistry,
    private readonly identities: BotIdentityService,
    private readonly intake: EventIntake,
    private readonly logger: PinoLogger,
    @InjectMetric(SLACK_EVENTS_TOTAL) private readonly events: Counter<'bot' | 'type' | 'outcome'>,
  ) {
    this.logger.setContext(WebhookService.name);
  }

  async receive(request: IncomingWebhook): Promise<WebhookAnswer> {
    const body = parseBody(request.rawBody);
    const bot = this.authenticate(request, this.candidates(request.botId, appIdOf(body)));
    const envelope = toEnvelope(body);
    switch (envelope.type) {
      case 'url_verification':
        return { challenge: envelope.challenge };
      case 'app_rate_limited':
        this.logger.warn({ bot: bot.id, minute: envelope.minute_rate_limited }, 'Slack is rate limiting our events');
        this.count(bot, 'app_rate_limited', 'ignored');
        return { ok: true };
      case 'event_callback':
        await this.handleEvent(bot, envelope);
        return { ok: true };
    }
  }

  private candidates(botId: string | undefined, appId: string | undefined): readonly BotConfig[] {
    if (botId !== undefined) {
      const bot = this.registry.find(botId);
      if (!bot) throw new UnknownBotError(`no bot with id ${botId}`);
      return [bot];
    }
    if (appId === undefined) return this.registry.all();
    const bot = this.registry.findByAppId(appId) ?? this.onlyBotWithoutAppId();
    if (!bot) throw new UnknownBotError(`no bot with app id ${appId}`);
    return [bot];
  }

  /** A single bot that does not name its app id takes every app's events. */
  private onlyBotWithoutAppId(): BotConfig | undefined {
    const only = this.registry.only();
    return only?.appId === undefined ? only : undefined;
  }

  private authenticate(request: SignedRequest, candidates: readonly BotConfig[]): BotConfig {
    const bot = candidates.find((candidate) => isValidSlackSignature(request, candidate.signingSecret));
    if (!bot) throw new InvalidSignatureError('missing, stale or wrong Slack signature');
    return bot;
  }

  private async handleEvent(bot: BotConfig, envelope: EventCallback): Promise<void> {
    const type = envelope.event.type;
    const identity = this.identities.identityOf(bot.id);
    if (!identity) throw new BotNotReadyError(`bot ${bot.id} has not been identified by Slack yet`);
    const decision = routeEvent(envelope, bot, identity);
    const log = { bot: bot.id, eventId: envelope.event_id, type };
    if (decision.kind === 'ignore') {
      this.logger.debug({ ...log, reason: decision.reason }, 'event ignored');
      this.count(bot, type, 'ignored');
      return;
    }
    const outcome = await this.intake
      .take(bot, envelope.event_id, decision.message, decision.onlyIfInThread)
      .catch((error: unknown) => {
        this.count(bot, type, 'unavailable');
        throw error;
      });
    this.logger.info({ ...log, outcome }, 'event handled');
    this.count(bot, type, outcome);
  }

  private count(bot: BotConfig, type: string, outcome: EventOutcome): void {
    this.events.inc({ bot: bot.id, type, outcome });
  }
}
