import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { settlesWithin } from '../common/timeouts';
import type { AppConfig } from '../config/config.types';
import { AgentClient } from './agent-client';
import { type LocalSidePlan, MAX_SOCKET_PATH } from './agent-plan';

const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 5_000;

/**
 * An agent side this worker starts as a child process, as the identity of its bots, and starts again
 * if it dies. The child gets no secret: only where to listen, where to keep its files, PATH and LANG.
 */
export class LocalAgentSide {
  readonly client: AgentClient;
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(
    readonly plan: LocalSidePlan,
    private readonly config: AppConfig,
    private readonly log: Logger,
  ) {
    this.client = new AgentClient(socketPathFor(plan));
  }

  /** Makes the side's folders, owned by its identity, and starts it. */
  async start(): Promise<void> {
    const { identity, root } = this.plan;
    if (identity !== undefined) {
      // Others may pass through DATA_DIR to their own folder, but see nothing in it.
      for (const dir of [this.config.dataDir, dirname(root)]) {
        await mkdir(dir, { recursive: true });
        await chmod(dir, 0o711);
      }
      await mkdir(root, { recursive: true, mode: 0o700 });
      await chown(root, identity.uid, identity.gid);
      await chmod(root, 0o700);
      const socketDir = dirname(this.client.socketPath);
      if (socketDir !== root) await chown(socketDir, identity.uid, identity.gid);
    }
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    if (!(await settlesWithin(exited, STOP_GRACE_MS))) child.kill('SIGKILL');
  }

  private spawn(): void {
    const { identity } = this.plan;
    const base = this.config.cliBaseEnvironment;
    const home = identity ? identity.home : base.HOME;
    // A group of its own: a Ctrl-C meant for the worker must not reach it; the worker ends it last.
    const child = spawn(process.execPath, [serviceEntry()], {
      cwd: '/',
      detached: true,
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
      env: {
        ...(base.PATH === undefined ? {} : { PATH: base.PATH }),
        ...(base.LANG === undefined ? {} : { LANG: base.LANG }),
        ...(home === undefined ? {} : { HOME: home }),
        PROCESS_ROLE: 'runner',
        AGENT_SOCKET: this.client.socketPath,
        DATA_DIR: this.plan.root,
        AGENT_DEDICATED_USER: String(identity !== undefined),
        AGENT_PARENT_PID: String(process.pid),
        APP_NAME: this.config.appName,
        LOG_LEVEL: this.config.logLevel,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.forwardLogs(child);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.log.error({ side: this.plan.key, code, signal }, 'the agent side exited; starting it again');
      setTimeout(() => this.spawn(), RESTART_DELAY_MS).unref();
    });
  }

  /** The child's JSON log lines join ours; anything else it prints is kept as a warning. */
  private forwardLogs(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        let record: { msg?: string; level?: number } & Record<string, unknown>;
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          this.log.warn({ side: this.plan.key, output: line }, 'agent side output');
          return;
        }
        const { msg, level, time: _time, pid: _pid, hostname: _host, ...fields } = record;
        const method = (level ?? 30) >= 50 ? 'error' : (level ?? 30) >= 40 ? 'warn' : 'debug';
        this.log[method]({ side: this.plan.key, agentPid: child.pid, ...fields }, msg ?? 'agent side');
      });
    }
  }
}

function socketPathFor(plan: LocalSidePlan): string {
  const inRoot = join(plan.root, 'agent.sock');
  if (inRoot.length <= MAX_SOCKET_PATH) return inRoot;
  return join(mkdtempSync(join(tmpdir(), 'orchestrator-agent-')), 'agent.sock');
}

/** The built entry point; under ts-jest the sources run from src/, so the build beside it is used. */
function serviceEntry(): string {
  const beside = join(__dirname, '..', 'main.js');
  return existsSync(beside) ? beside : join(__dirname, '..', '..', 'dist', 'main.js');
}
