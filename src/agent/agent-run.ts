import { mkdirSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { settlesWithin } from '../common/timeouts';
import { RUN_SIGNALS, type FrameChannel, type RunRequest, type RunSignal } from './agent-protocol';
import type { AgentStorage } from './agent-storage';
import { startCli } from './cli-process';
import { reapStrays } from './process-reaper';

/** After the CLI is gone, its last lines are read for at most this long. */
const OUTPUT_DRAIN_MS = 2_000;

export interface RunHost {
  readonly storage: AgentStorage;
  /** The CLI's HOME: a folder this identity can write. */
  readonly home: string;
  /** The agent side made that HOME itself, and keeps its git configuration. */
  readonly ownHome?: boolean;
  /** This identity belongs to the agent alone: every process of it outside a running job is a stray. */
  readonly dedicated: boolean;
  /** The CLIs running now, by pid, so that ending one run's strays spares the others. */
  readonly active: Set<number>;
  /** The agent's own variables (its container's credentials), under the bot's own. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Runs the CLI for one request and streams its lines back. Whatever way the run ends — by itself, by a
 * signal from the worker, or by the worker going away — its process group is killed and, on a
 * dedicated identity, every process it left behind, before the worker hears that it exited.
 */
export async function serveRun(channel: FrameChannel, request: RunRequest, host: RunHost): Promise<void> {
  const problem = invalidRun(request);
  if (problem !== undefined) {
    await channel.send({ t: 'error', code: 'bad_request', message: problem });
    return;
  }
  const configDir = host.storage.configDir(request.botId);
  // Synchronous, so that a signal frame arriving right behind the request finds the CLI started.
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const cli = startCli(
    {
      command: request.command,
      args: request.args,
      cwd: request.cwd,
      env: { HOME: host.home, CLAUDE_CONFIG_DIR: configDir, ...host.environment, ...request.env },
      stdin: request.stdin,
    },
    (line) => void channel.send({ t: 'line', line }),
    () => void channel.send({ t: 'oversized' }),
  );
  const pid = cli.pid;
  if (pid !== undefined) host.active.add(pid);
  // Once the group is gone its id may be another run's: no signal may follow the end.
  let ended = false;
  const signal = (name: RunSignal) => {
    if (!ended) cli.signalGroup(name);
  };
  channel.onFrame((frame) => {
    if ('t' in frame && frame.t === 'signal' && RUN_SIGNALS.includes(frame.signal)) signal(frame.signal);
  });
  void channel.closed.then(() => signal('SIGKILL'));
  try {
    if (pid !== undefined) await channel.send({ t: 'started', pid });
    const exit = await cli.exited;
    cli.signalGroup('SIGKILL');
    ended = true;
    if (pid !== undefined) host.active.delete(pid);
    if (host.dedicated) reapStrays(process.getuid?.() ?? -1, host.active);
    await settlesWithin(cli.outputClosed, OUTPUT_DRAIN_MS);
    await channel.send({ t: 'exit', code: exit.code, signal: exit.signal, stderrTail: cli.stderrTail() });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'cli_missing' : 'spawn_failed';
    await channel.send({ t: 'error', code, message: (error as Error).message });
  } finally {
    if (pid !== undefined) host.active.delete(pid);
  }
}

function invalidRun(request: RunRequest): string | undefined {
  if (typeof request.command !== 'string' || request.command === '') return 'command must be a string';
  if (!Array.isArray(request.args) || !request.args.every((arg) => typeof arg === 'string')) {
    return 'args must be strings';
  }
  if (typeof request.cwd !== 'string' || !isAbsolute(request.cwd)) return 'cwd must be an absolute path';
  if (typeof request.stdin !== 'string') return 'stdin must be a string';
  const env = request.env as unknown;
  if (typeof env !== 'object' || env === null || !Object.values(env).every((value) => typeof value === 'string')) {
    return 'env must map names to strings';
  }
  return undefined;
}
