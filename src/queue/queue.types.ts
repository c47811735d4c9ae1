/** What a worker needs to run one user message. Ids only: the worker looks the bot's secrets up itself. */
export interface RunClaudeJobData {
  readonly botId: string;
  readonly teamId: string;
  readonly channel: string;
  /** The thread to answer in: the message's `thread_ts`, or its own `ts`. */
  readonly threadTs: string;
  readonly messageTs: string;
  readonly user: string;
  /** The message with the bot's mention removed. */
  readonly text: string;
  readonly eventId: string;
  /** Files attached to the message, fetched by the worker with the bot's token. */
  readonly files?: readonly JobFileRef[];
}

export interface JobFileRef {
  readonly id: string;
  readonly name: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly url: string;
}
