/** A problem with the bots file or a bot's settings; the message is one line naming the bot. */
export class BotsConfigError extends Error {
  override readonly name = 'BotsConfigError';
}

/** Slack refused a bot's token at start-up: the operator has to fix it, retrying will not help. */
export class BotAuthError extends Error {
  override readonly name = 'BotAuthError';
}
