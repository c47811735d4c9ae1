import type { LogLevel, ProcessRole } from './app-config';

/** The validated, read-only configuration every module receives by injection. */
export abstract class AppConfig {
  abstract readonly port: number;
  abstract readonly appName: string;
  abstract readonly version: string;
  abstract readonly debug: boolean;
  abstract readonly logLevel: LogLevel;
  abstract readonly redisUrl: string;
  abstract readonly role: ProcessRole;
  abstract readonly botsConfigPath: string | undefined;
  abstract readonly singleBot: SingleBotSettings;
  abstract readonly slackApiUrl: string;
  abstract readonly claudeBin: string;
  abstract readonly workerConcurrency: number;
  abstract readonly jobTimeoutSeconds: number;
  abstract readonly rateLimit: { readonly maxRequests: number; readonly windowSeconds: number };
  abstract readonly sessionTtlSeconds: number;
  abstract readonly dataDir: string;
  abstract readonly shutdownGraceSeconds: number;
  abstract readonly logPrompts: boolean;
  /** Who runs the CLI when a bot names no `runAs`: unset, the service's own user. */
  abstract readonly agentUser: string | undefined;
  /** The agent side's socket when it runs apart (another container); unset: this worker starts it. */
  abstract readonly agentSocket: string | undefined;
  /** `PATH`, `HOME` and `LANG` as the service got them: the only variables of ours the CLI inherits. */
  abstract readonly cliBaseEnvironment: Readonly<Record<string, string>>;
  /** The environment as it was at start-up: only for `${VAR}` interpolation in the bots file. */
  abstract readonly interpolationSource: Readonly<Record<string, string | undefined>>;
}

export interface SingleBotSettings {
  readonly signingSecret: string | undefined;
  readonly token: string | undefined;
  readonly workingDirectory: string;
}

export function servesWebhooks(role: ProcessRole): boolean {
  return role === 'api' || role === 'all';
}

export function runsJobs(role: ProcessRole): boolean {
  return role === 'worker' || role === 'all';
}
