import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter, Histogram } from 'prom-client';
import { BotIdentityService } from '../bots/bot-identity.service';
import { BotRegistry } from '../bots/bot-registry';
import type { BotConfig } from '../bots/bot.types';
import { type EventOutcome, METRIC, UNKNOWN_BOT } from '../metrics/metrics.constants';
import { appIdOf, parseBody, toEnvelope } from './envelope-parser';
import { type IgnoreReason, routeEvent } from './event-router';
import { EventIntake } from './event-intake.service';
import { StopIntake } from './stop-intake.service';
import { checkSlackSignature, type SignedRequest } from './slack-signature';
import type { EventCallback } from './slack-events.types';
import {
  BotNotReadyError,
  InvalidSignatureError,
  StaleTimestampError,
  UnknownBotError,
  WebhookError,
} from './webhooks.errors';

export interface IncomingWebhook extends SignedRequest {
  /** From the route `/webhooks/slack/:botId`; absent on the shared route. */
  readonly botId?: string;
}

export type WebhookAnswer = { readonly challenge: string } | { readonly ok: true };

const IGNORE_OUTCOMES: Record<IgnoreReason, EventOutcome> = {
  own_message: 'ignored_self',
  bot_message: 'ignored_bot',
  subtype: 'ignored_subtype',
  channel_not_allowed: 'ignored_channel',
  direct_messages_disabled: 'ignored_channel',
  user_not_allowed: 'ignored_user',
  external_user: 'ignored_external',
  unsupported_event: 'ignored_other',
  empty: 'ignored_other',
  not_addressed: 'ignored_other',
  not_in_thread: 'ignored_other',
};

/** Authenticates a Slack delivery, answers handshakes, and hands events to routing and intake. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly registry: BotRegistry,
    private readonly identities: BotIdentityService,
    private readonly intake: EventIntake,
    private readonly stops: StopIntake,
    private readonly logger: PinoLogger,
    @InjectMetric(METRIC.slackEvents) private readonly events: Counter<'bot' | 'type' | 'outcome'>,
    @InjectMetric(METRIC.webhookDuration) private readonly durations: Histogram<'bot' | 'status'>,
  ) {
    this.logger.setContext(WebhookService.name);
  }

  /** Every delivery is counted and timed, by the bot it reached and the status it got. */
  async receive(request: IncomingWebhook): Promise<WebhookAnswer> {
    const stopTimer = this.durations.startTimer();
    const seen: { bot?: BotConfig; type: string } = { type: 'unknown' };
    try {
      const answer = await this.handle(request, seen);
      stopTimer({ bot: seen.bot?.id ?? UNKNOWN_BOT, status: '200' });
      return answer;
    } catch (error) {
      const status = error instanceof WebhookError ? error.status : 500;
      const outcome = error instanceof WebhookError ? error.outcome : 'unavailable';
      stopTimer({ bot: seen.bot?.id ?? UNKNOWN_BOT, status: String(status) });
      this.events.inc({ bot: seen.bot?.id ?? UNKNOWN_BOT, type: seen.type, outcome });
      if (status >= 500) this.logger.warn({ err: error, bot: seen.bot?.id }, 'webhook not taken');
      throw error;
    }
  }

  private async handle(request: IncomingWebhook, seen: { bot?: BotConfig; type: string }): Promise<WebhookAnswer> {
    const body = parseBody(request.rawBody);
    const bot = this.authenticate(request, this.candidates(request.botId, appIdOf(body)));
    seen.bot = bot;
    const envelope = toEnvelope(body);
    seen.type = envelope.type === 'event_callback' ? envelope.event.type : envelope.type;
    switch (envelope.type) {
      case 'url_verification':
        return { challenge: envelope.challenge };
      case 'app_rate_limited':
        this.logger.warn({ bot: bot.id, minute: envelope.minute_rate_limited }, 'Slack is rate limiting our events');
        this.count(bot, seen.type, 'ignored_other');
        return { ok: true };
      case 'event_callback':
        this.count(bot, seen.type, await this.handleEvent(bot, envelope));
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
    let stale = false;
    for (const candidate of candidates) {
      const verdict = checkSlackSignature(request, candidate.signingSecret);
      if (verdict === 'valid') return candidate;
      stale ||= verdict === 'stale';
    }
    if (stale) throw new StaleTimestampError('the request timestamp is more than 5 minutes off');
    throw new InvalidSignatureError('missing or wrong Slack signature');
  }

  private async handleEvent(bot: BotConfig, envelope: EventCallback): Promise<EventOutcome> {
    const identity = this.identities.identityOf(bot.id);
    if (!identity) throw new BotNotReadyError(`bot ${bot.id} has not been identified by Slack yet`);
    const decision = routeEvent(envelope, bot, identity);
    const log = { bot: bot.id, eventId: envelope.event_id, type: envelope.event.type };
    let outcome: EventOutcome;
    switch (decision.kind) {
      case 'ignore':
        outcome = IGNORE_OUTCOMES[decision.reason];
        this.logger.debug({ ...log, reason: decision.reason }, 'event ignored');
        return outcome;
      case 'stop':
        outcome = await this.stops.stop(bot, decision.target, decision.by, decision.onlyIfInThread);
        break;
      case 'answer':
        outcome = await this.intake.take(bot, envelope.event_id, decision.message, decision.onlyIfInThread);
        break;
    }
    // The request line already says each delivery's status and time; this detail is for debugging.
    this.logger.debug({ ...log, outcome }, 'event handled');
    return outcome;
  }

  private count(bot: BotConfig, type: string, outcome: EventOutcome): void {
    this.events.inc({ bot: bot.id, type, outcome });
  }
}
