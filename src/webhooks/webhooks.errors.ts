export class InvalidSignatureError extends Error {
  override readonly name = 'InvalidSignatureError';
}

export class UnknownBotError extends Error {
  override readonly name = 'UnknownBotError';
}

export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
}

/** The bot has not learned who it is in Slack yet, so its own messages cannot be told apart. */
export class BotNotReadyError extends Error {
  override readonly name = 'BotNotReadyError';
}

/** Redis could not keep the event; Slack will retry it. */
export class EventNotKeptError extends Error {
  override readonly name = 'EventNotKeptError';
}
