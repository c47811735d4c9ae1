import { lstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import {
  type BotPlace,
  collectChunks,
  type Frame,
  FrameChannel,
  type Request,
  type RunRequest,
  type RunSignal,
  sendChunks,
} from './agent-protocol';
import type { ProcessExit } from './cli-process';

/** A CLI run on the agent side, seen from the worker. */
export interface RunningProcess {
  readonly pid: number | undefined;
  /** Settles when the CLI has exited and the agent side has ended what it left behind. */
  readonly exited: Promise<ProcessExit>;
  /** Settles when every line has arrived. */
  readonly outputClosed: Promise<void>;
  signalGroup(signal: RunSignal): void;
  stderrTail(): string;
}

/** Why the agent side could not run or answer; `cli_missing` carries ENOENT, as a failed spawn would. */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AgentError';
  }

  get errno(): string {
    return this.code === 'cli_missing' ? 'ENOENT' : this.code;
  }
}

/** The worker's end of one agent side's socket: one connection per operation. */
export class AgentClient {
  constructor(readonly socketPath: string) {}

  async hello(bots: readonly BotPlace[]): Promise<{ uid: number; problems: string[] }> {
    const answer = await this.ask({ op: 'hello', bots });
    return { uid: Number(answer.uid), problems: (answer.problems as string[] | undefined) ?? [] };
  }

  start(run: RunRequest, onLine: (line: string) => void, onOversized: () => void): RunningProcess {
    const channel = this.open();
    let pid: number | undefined;
    let stderrTail = '';
    const exited = new Promise<ProcessExit>((resolve, reject) => {
      channel.onFrame((frame) => {
        if (!('t' in frame)) return;
        if (frame.t === 'started') pid = frame.pid;
        else if (frame.t === 'line') onLine(frame.line);
        else if (frame.t === 'oversized') onOversized();
        else if (frame.t === 'exit') {
          stderrTail = frame.stderrTail;
          resolve({ code: frame.code, signal: frame.signal as NodeJS.Signals | null });
        } else if (frame.t === 'error') reject(agentError(frame));
      });
      void channel.closed.then(() => reject(new AgentError('agent_unavailable', 'the agent side closed the run')));
    });
    void channel.send({ op: 'run', run });
    return {
      get pid() {
        return pid;
      },
      exited,
      outputClosed: channel.closed,
      signalGroup: (signal) => void channel.send({ t: 'signal', signal }),
      stderrTail: () => stderrTail,
    };
  }

  async transcriptSize(place: BotPlace, sessionId: string): Promise<number | undefined> {
    const answer = await this.ask({ op: 'transcript.stat', place, sessionId });
    return typeof answer.size === 'number' ? answer.size : undefined;
  }

  /** The transcript's bytes; `too_large` past `maxBytes`; undefined when this side has none. */
  async readTranscript(
    place: BotPlace,
    sessionId: string,
    maxBytes: number,
  ): Promise<Buffer | 'too_large' | undefined> {
    const channel = this.open();
    const content = collectChunks(channel, maxBytes);
    content.catch(() => undefined);
    const answer = await this.answerOf(channel, { op: 'transcript.read', place, sessionId, maxBytes });
    if (answer.found !== true) return undefined;
    if (typeof answer.size === 'number' && answer.size > maxBytes) return 'too_large';
    return content;
  }

  async writeTranscript(place: BotPlace, sessionId: string, content: Buffer): Promise<void> {
    await this.upload({ op: 'transcript.write', place, sessionId }, content);
  }

  /** Puts an attachment in the job's folder on the agent side; returns its path there. */
  async putJobFile(jobId: string, name: string, content: Buffer): Promise<string> {
    const answer = await this.upload({ op: 'files.put', jobId, name }, content);
    return String(answer.path);
  }

  async removeJob(jobId: string): Promise<void> {
    await this.ask({ op: 'files.remove', jobId });
  }

  async prune(olderThanSeconds: number): Promise<number> {
    return Number((await this.ask({ op: 'prune', olderThanSeconds })).removed);
  }

  private async upload(request: Request, content: Buffer): Promise<Record<string, unknown>> {
    const channel = this.open();
    const answer = this.answerOf(channel, request);
    await sendChunks(channel, content);
    return answer;
  }

  private ask(request: Request): Promise<Record<string, unknown>> {
    return this.answerOf(this.open(), request);
  }

  /** Sends the request; resolves with the first `ok` frame, rejects on `error` or a closed connection. */
  private answerOf(channel: FrameChannel, request: Request): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      channel.onFrame((frame) => {
        if (!('t' in frame)) return;
        if (frame.t === 'ok') resolve(frame);
        else if (frame.t === 'error') reject(agentError(frame));
      });
      void channel.closed.then(() => reject(new AgentError('agent_unavailable', `no answer to ${request.op}`)));
    });
    void channel.send(request);
    return answer;
  }

  /**
   * The socket lives in a folder the agent's user may write: it could put a link there to another
   * socket (a database's, say) for this process to talk to. Only a socket itself is connected to.
   */
  private open(): FrameChannel {
    const socket = new Socket();
    const info = lstatSync(this.socketPath, { throwIfNoEntry: false });
    if (info?.isSocket() && !lstatSync(dirname(this.socketPath)).isSymbolicLink()) socket.connect(this.socketPath);
    else setImmediate(() => socket.destroy(new Error(`${this.socketPath} is not the agent side's socket`)));
    return new FrameChannel(socket);
  }
}

function agentError(frame: Extract<Frame, { t: 'error' }>): AgentError {
  return new AgentError(frame.code, frame.message);
}
