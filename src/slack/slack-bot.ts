/**
 * What a call to Slack needs of a bot: its id (for logs and metrics) and its token. Not the whole
 * bot config, which holds the signing secret and the agent's variables too.
 */
export interface SlackBot {
  readonly id: string;
  readonly token: string;
}
