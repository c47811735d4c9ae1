import type { EventOutcome } from '../metrics/metrics.constants';

/** A webhook request that cannot be taken; each kind carries its HTTP status and its metric outcome. */
export abstract class WebhookError extends Error {
  abstract readonly status: number;
  abstract readonly outcome: EventOutcome;
}

export class InvalidSignatureError extends WebhookError {
  override readonly name = 'InvalidSignatureError';
  readonly status = 401;
  readonly outcome = 'invalid_signature';
}

export class StaleTimestampError extends WebhookError {
  override readonly name = 'StaleTimestampError';
  readonly status = 401;
  readonly outcome = 'stale_timestamp';
}

export class UnknownBotError extends WebhookError {
  override readonly name = 'UnknownBotError';
  readonly status = 404;
  readonly outcome = 'unknown_bot';
}

export class InvalidEnvelopeError extends WebhookError {
  override readonly name = 'InvalidEnvelopeError';
  readonly status = 400;
  readonly outcome = 'bad_request';
}

/** The bot has not learned who it is in Slack yet, so its own messages cannot be told apart. */
export class BotNotReadyError extends WebhookError {
  override readonly name = 'BotNotReadyError';
  readonly status = 503;
  readonly outcome = 'unavailable';
}

/** Redis could not keep the event; Slack will retry it. */
export class EventNotKeptError extends WebhookError {
  override readonly name = 'EventNotKeptError';
  readonly status = 503;
  readonly outcome = 'unavailable';
}
