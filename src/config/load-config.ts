import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EnvironmentVariables } from './app-config';
import { ConfigError } from './config.errors';
import type { AppConfig } from './config.types';

type Environment = Readonly<Record<string, string | undefined>>;

/** Validates the environment once and returns the frozen configuration, or throws a one-line ConfigError. */
export function loadConfig(env: Environment, cwd: string = process.cwd()): AppConfig {
  const variables = validateEnvironment(env);
  return deepFreeze({
    port: variables.PORT,
    appName: variables.APP_NAME,
    version: readVersion(),
    debug: variables.DEBUG,
    logLevel: variables.DEBUG && variables.LOG_LEVEL === 'info' ? 'debug' : variables.LOG_LEVEL,
    redisUrl: variables.REDIS_URL,
    role: variables.PROCESS_ROLE,
    botsConfigPath: variables.BOTS_CONFIG === undefined ? undefined : resolve(cwd, variables.BOTS_CONFIG),
    singleBot: {
      signingSecret: variables.SLACK_SIGNING_SECRET,
      token: variables.SLACK_BOT_TOKEN,
      workingDirectory: resolve(cwd, variables.CLAUDE_WORKING_DIRECTORY ?? '.'),
    },
    slackApiUrl: variables.SLACK_API_URL,
    // A path is resolved here: the CLI runs in each bot's own directory, where a relative one would miss.
    claudeBin: variables.CLAUDE_BIN.includes('/') ? resolve(cwd, variables.CLAUDE_BIN) : variables.CLAUDE_BIN,
    workerConcurrency: variables.WORKER_CONCURRENCY,
    jobTimeoutSeconds: variables.JOB_TIMEOUT_SECONDS,
    rateLimit: {
      maxRequests: variables.RATE_LIMIT_MAX_REQUESTS,
      windowSeconds: variables.RATE_LIMIT_WINDOW_SECONDS,
    },
    sessionTtlSeconds: variables.SESSION_TTL_SECONDS,
    dataDir: resolve(cwd, variables.DATA_DIR),
    shutdownGraceSeconds: variables.SHUTDOWN_GRACE_SECONDS,
    logPrompts: variables.LOG_PROMPTS,
    agentUser: variables.AGENT_USER,
    agentSocket: variables.AGENT_SOCKET,
    cliBaseEnvironment: pick(env, ['PATH', 'HOME', 'LANG']),
    interpolationSource: { ...env },
  });
}

function validateEnvironment(env: Environment): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  // Empty strings mean "unset" for optional values, as in most deployment tools.
  const relevant = Object.fromEntries(
    known.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  const variables = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const [first] = validateSync(variables, { forbidUnknownValues: true });
  if (first) throw new ConfigError(describe(first, relevant));
  if (variables.BOTS_CONFIG === undefined) requireSingleBotSecrets(variables);
  return variables;
}

function requireSingleBotSecrets(variables: EnvironmentVariables): void {
  for (const name of ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN'] as const) {
    if (variables[name] === undefined) throw new ConfigError(`${name} is required when BOTS_CONFIG is not set`);
  }
}

const TYPE_CHECKS = ['isInt', 'isBoolean', 'isIn', 'isUrl', 'isString'];

function describe(error: ValidationError, raw: Record<string, string | undefined>): string {
  const constraints = error.constraints ?? {};
  // A value of the wrong type fails range checks too; the type is what the operator must fix first.
  const typeCheck = TYPE_CHECKS.find((check) => check in constraints);
  const reason = (typeCheck ? constraints[typeCheck] : Object.values(constraints)[0]) ?? 'is invalid';
  const name = error.property;
  // Messages from class-validator begin with the property name; ours may already do so.
  const text = reason.startsWith(name) ? reason : `${name} ${reason}`;
  const isSecret = /SECRET|TOKEN|REDIS_URL/.test(name);
  const value = raw[name];
  const shown = isSecret || value === undefined ? '' : ` (got "${value}")`;
  return `${text}${shown}`;
}

function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    // The version is informational; a missing manifest must not stop the service.
    return 'unknown';
  }
}

function pick(env: Environment, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
