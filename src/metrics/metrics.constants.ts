/** Every metric the service exports, defined in one place. Labels never carry secrets or free text. */
export const SLACK_EVENTS_TOTAL = 'orchestrator_slack_events_total';
export const JOBS_TOTAL = 'orchestrator_jobs_total';
export const JOB_DURATION_SECONDS = 'orchestrator_job_duration_seconds';

export type EventOutcome = 'accepted' | 'ignored' | 'duplicate' | 'rate_limited' | 'unavailable';
export type JobOutcome = 'succeeded' | 'failed' | 'timed_out' | 'interrupted';
