import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliProcess {
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
/** A stream-json line longer than this is dropped unread: memory stays bounded whatever the CLI prints. */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** Starts the CLI as the leader of its own process group, the prompt on stdin, lines handed over as they come. */
export function startCli(
  spec: ProcessSpec,
  onLine: (line: string) => void,
  onOversizedLine: () => void = () => undefined,
): CliProcess {
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
  const outputClosed = readLines(child.stdout, onLine, onOversizedLine);
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

/** Splits a stream into lines, dropping (and reporting) any line longer than MAX_LINE_CHARS. */
function readLines(input: Readable, onLine: (line: string) => void, onOversized: () => void): Promise<void> {
  let pending = '';
  let skipping = false;
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (!skipping) onLine((pending + chunk.slice(start, end)).replace(/\r$/, ''));
      pending = '';
      skipping = false;
      start = end + 1;
    }
    if (skipping) return;
    pending += chunk.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      pending = '';
      skipping = true;
      onOversized();
    }
  });
  return new Promise<void>((resolve) => {
    input.once('close', () => {
      if (pending !== '' && !skipping) onLine(pending);
      resolve();
    });
  });
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
