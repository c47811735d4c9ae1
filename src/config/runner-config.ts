import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './app-config';
import { ConfigError } from './config.errors';

type Environment = Readonly<Record<string, string | undefined>>;

/** The agent side's settings: no secret, no Redis, no bots file — it is told what to run. */
export interface RunnerConfig {
  readonly socketPath: string;
  readonly dataDir: string;
  readonly home: string | undefined;
  readonly appName: string;
  readonly logLevel: LogLevel;
  /** Its user belongs to the agent alone, so any process of that user outside a running job is a stray. */
  readonly dedicatedUser: boolean;
  /** The worker that started it: the agent side ends with it. */
  readonly parentPid: number | undefined;
  /**
   * The agent's own credentials and settings (a container's `agent.envFromSecret`, `agent.extraEnv`):
   * the rest of this process's environment, passed to every CLI under the bot's own `claude.env`.
   */
  readonly cliEnvironment: Readonly<Record<string, string>>;
}

/** Variables that configure the agent side itself, or that it sets for the CLI: never passed on. */
const OWN_VARIABLES = new Set([
  'PROCESS_ROLE',
  'AGENT_SOCKET',
  'DATA_DIR',
  'AGENT_DEDICATED_USER',
  'AGENT_PARENT_PID',
  'LOG_LEVEL',
  'APP_NAME',
  'HOME',
  'PATH',
  'LANG',
  'HOSTNAME',
  'CLAUDE_CONFIG_DIR',
]);

/** Validates the environment of `PROCESS_ROLE=runner`; a wrong value is a one-line ConfigError. */
export function loadRunnerConfig(env: Environment, cwd: string = process.cwd()): RunnerConfig {
  const socketPath = env.AGENT_SOCKET;
  if (socketPath === undefined || !socketPath.startsWith('/')) {
    throw new ConfigError('AGENT_SOCKET must be an absolute path when PROCESS_ROLE is runner');
  }
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  const dedicated = (env.AGENT_DEDICATED_USER ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(dedicated)) {
    throw new ConfigError(`AGENT_DEDICATED_USER must be true or false (got "${env.AGENT_DEDICATED_USER}")`);
  }
  const parentPid = env.AGENT_PARENT_PID === undefined ? undefined : Number(env.AGENT_PARENT_PID);
  if (parentPid !== undefined && !(Number.isInteger(parentPid) && parentPid > 0)) {
    throw new ConfigError('AGENT_PARENT_PID must be a process id');
  }
  return {
    socketPath,
    dataDir: resolve(cwd, env.DATA_DIR || './data'),
    home: env.HOME || undefined,
    appName: env.APP_NAME || 'orchestrator',
    logLevel: logLevel as LogLevel,
    dedicatedUser: dedicated === 'true',
    parentPid,
    cliEnvironment: Object.fromEntries(
      Object.entries(env).flatMap(([name, value]) =>
        value === undefined || OWN_VARIABLES.has(name) || name.startsWith('KUBERNETES_') ? [] : [[name, value]],
      ),
    ),
  };
}
