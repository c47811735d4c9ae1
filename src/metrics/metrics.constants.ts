/**
 * Every metric the service exports. Names and label values are part of the public contract (the
 * README lists them); labels only take values from bounded sets, never user, channel or message ids.
 */
export const METRIC = {
  slackEvents: 'orchestrator_slack_events_total',
  webhookDuration: 'orchestrator_webhook_duration_seconds',
  jobs: 'orchestrator_jobs_total',
  jobDuration: 'orchestrator_job_duration_seconds',
  jobWait: 'orchestrator_job_wait_seconds',
  jobsRunning: 'orchestrator_jobs_running',
  queueJobs: 'orchestrator_queue_jobs',
  claudeCost: 'orchestrator_claude_cost_usd_total',
  claudeTokens: 'orchestrator_claude_tokens_total',
  claudeTurns: 'orchestrator_claude_turns',
  slackApiCalls: 'orchestrator_slack_api_calls_total',
  slackApiDuration: 'orchestrator_slack_api_duration_seconds',
  buildInfo: 'orchestrator_build_info',
  httpDuration: 'http_request_duration_seconds',
} as const;

export type EventOutcome =
  | 'enqueued'
  | 'duplicate'
  | 'ignored_bot'
  | 'ignored_self'
  | 'ignored_subtype'
  | 'ignored_channel'
  | 'ignored_user'
  | 'ignored_external'
  | 'ignored_other'
  | 'rate_limited'
  | 'stop_requested'
  | 'stop_refused'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'unknown_bot'
  | 'bad_request'
  | 'unavailable';

export type JobOutcome = 'succeeded' | 'failed' | 'timed_out' | 'stopped' | 'interrupted';

export type SlackCallOutcome = 'ok' | 'error' | 'ratelimited';

export const TOKEN_KINDS = ['input', 'output', 'cache_read', 'cache_write'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Label used where a request names no bot we know. */
export const UNKNOWN_BOT = 'unknown';
