import { access, constants, mkdir } from 'node:fs/promises';
import pino from 'pino';
import { ConfigError } from '../config/config.errors';
import { loadRunnerConfig, type RunnerConfig } from '../config/runner-config';
import { fallbackHomeOf } from './agent-paths';
import { AgentServer } from './agent-server';
import { AgentStorage } from './agent-storage';
import { reapStrays } from './process-reaper';

const PARENT_CHECK_MS = 1_000;
/** On SIGTERM, the agent side ends once no worker has talked to it for this long. */
const DRAIN_QUIET_MS = 1_000;

/** `PROCESS_ROLE=runner`: the agent side, serving one worker (or a pod's workers) over AGENT_SOCKET. */
export async function runAgentSide(env: NodeJS.ProcessEnv): Promise<void> {
  let config: RunnerConfig;
  try {
    config = loadRunnerConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }
  const log = pino({ level: config.logLevel, base: { app: config.appName, role: 'runner' } });
  const layout = { root: config.dataDir };
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  const active = new Set<number>();
  const server = new AgentServer(
    {
      storage: new AgentStorage(layout),
      ...(await homeFor(config)),
      dedicated: config.dedicatedUser,
      active,
      environment: config.cliEnvironment,
    },
    log,
  );
  await server.listen(config.socketPath);
  log.info(
    { socket: config.socketPath, uid: process.getuid?.(), dedicatedUser: config.dedicatedUser },
    'agent side ready',
  );

  let stopping = false;
  const stop = async (why: string, drain: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'agent side stopping');
    // Told to stop with its worker (a pod's containers get SIGTERM together): the worker still finishes
    // or hands back its runs and saves their transcripts through us, so we go once it has.
    if (drain) await server.idle(DRAIN_QUIET_MS);
    await server.close();
    if (config.dedicatedUser) reapStrays(process.getuid?.() ?? -1, []);
    process.exit(0);
  };
  // A worker that started us signals only once it is done with us; a pod signals all containers at once.
  const drain = config.parentPid === undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal, drain));
  const { parentPid } = config;
  if (parentPid !== undefined) {
    // The worker that started us is gone (killed, crashed): nothing may go on running for it.
    setInterval(() => {
      if (process.ppid !== parentPid) void stop('the worker is gone', false);
    }, PARENT_CHECK_MS).unref();
  }
}

/** The CLI's HOME: the one this process was given when it can write there, else a folder of its own. */
async function homeFor(config: RunnerConfig): Promise<{ home: string; ownHome: boolean }> {
  if (config.home !== undefined) {
    const writable = await access(config.home, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (writable) return { home: config.home, ownHome: false };
  }
  const home = fallbackHomeOf({ root: config.dataDir });
  await mkdir(home, { recursive: true, mode: 0o700 });
  return { home, ownHome: true };
}
