import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProcessExit } from './run-outcome';

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  /** Settles when the CLI itself has exited; rejects only when it could not start. */
  readonly exited: Promise<ProcessExit>;
  /** Settles when stdout is closed and every line handed over (tools left behind can hold it open). */
  readonly outputClosed: Promise<void>;
  /** Sends a signal to the whole process group, so that the tools the CLI started go too. */
  signalGroup(signal: NodeJS.Signals): void;
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 4_096;

/** The only place that spawns a process. The child leads its own process group. */
@Injectable()
export class ClaudeProcessAdapter {
  start(spec: ProcessSpec, onLine: (line: string) => void): RunningProcess {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // A CLI that exits before reading its prompt closes stdin under us; the exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.stdin);
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', onLine);
    const outputClosed = new Promise<void>((resolve) => lines.once('close', resolve));
    const exited = new Promise<ProcessExit>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });

    return {
      pid: child.pid,
      exited,
      outputClosed,
      signalGroup: (signal) => signalGroup(child.pid, signal),
      stderrTail: () => stderr,
    };
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
