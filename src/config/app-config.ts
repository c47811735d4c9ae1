import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

export const PROCESS_ROLES = ['all', 'api', 'worker', 'runner'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no', ''].includes(normalized)) return false;
  return value;
};

/**
 * Every environment variable of the public contract. Property names are the variable names so that a
 * validation error names exactly what the operator has to fix.
 */
export class EnvironmentVariables {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^[a-zA-Z0-9_.-]{1,64}$/, { message: 'APP_NAME must be 1-64 letters, digits, dots, dashes or underscores' })
  APP_NAME = 'orchestrator';

  @Transform(toBoolean)
  @IsBoolean()
  DEBUG = false;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://localhost:6379/0';

  @IsIn(PROCESS_ROLES)
  PROCESS_ROLE: ProcessRole = 'all';

  @IsOptional()
  @IsString()
  @MinLength(1)
  BOTS_CONFIG?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SLACK_SIGNING_SECRET?: string;

  @IsOptional()
  @IsString()
  @Matches(/^xox[bpe]-/, { message: 'SLACK_BOT_TOKEN must be a Slack bot token (xoxb-…)' })
  SLACK_BOT_TOKEN?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  CLAUDE_WORKING_DIRECTORY?: string;

  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @Matches(/\/$/, { message: 'SLACK_API_URL must end with /' })
  SLACK_API_URL = 'https://slack.com/api/';

  @IsString()
  @MinLength(1)
  CLAUDE_BIN = 'claude';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  WORKER_CONCURRENCY = 4;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  JOB_TIMEOUT_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX_REQUESTS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  SESSION_TTL_SECONDS = 604800;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_SECONDS = 60;

  @Transform(toBoolean)
  @IsBoolean()
  LOG_PROMPTS = false;

  @IsOptional()
  @IsString()
  @Matches(/^([a-z_][a-z0-9_.-]{0,31}\$?|\d+(:\d+)?)$/i, { message: 'AGENT_USER must be a user name, uid or uid:gid' })
  AGENT_USER?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\//, { message: 'AGENT_SOCKET must be an absolute path' })
  AGENT_SOCKET?: string;
}
