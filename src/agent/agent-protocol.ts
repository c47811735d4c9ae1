import type { Socket } from 'node:net';

/**
 * The worker and the agent side talk over a Unix socket, one operation per connection, in frames of one
 * JSON object per line. The agent side holds no secret of the service, and the worker trusts nothing it
 * says beyond the CLI's output: every frame is bounded and checked.
 */
export interface BotPlace {
  readonly botId: string;
  readonly workingDirectory: string;
}

export interface RunRequest {
  readonly botId: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Besides HOME and CLAUDE_CONFIG_DIR, which the agent side sets. */
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

export type Request =
  | { readonly op: 'hello'; readonly bots: readonly BotPlace[] }
  | { readonly op: 'run'; readonly run: RunRequest }
  | { readonly op: 'transcript.stat'; readonly place: BotPlace; readonly sessionId: string }
  | { readonly op: 'transcript.read'; readonly place: BotPlace; readonly sessionId: string; readonly maxBytes: number }
  | { readonly op: 'transcript.write'; readonly place: BotPlace; readonly sessionId: string }
  | { readonly op: 'files.put'; readonly jobId: string; readonly name: string }
  | { readonly op: 'files.remove'; readonly jobId: string }
  | { readonly op: 'prune'; readonly olderThanSeconds: number };

/** Frames after the request: data going either way, signals to a run, and the answers. */
export type Frame =
  | Request
  | { readonly t: 'chunk'; readonly data: string }
  | { readonly t: 'end' }
  | { readonly t: 'signal'; readonly signal: RunSignal }
  | { readonly t: 'started'; readonly pid: number }
  | { readonly t: 'line'; readonly line: string }
  | { readonly t: 'oversized' }
  | { readonly t: 'exit'; readonly code: number | null; readonly signal: string | null; readonly stderrTail: string }
  | { readonly t: 'ok'; readonly [key: string]: unknown }
  | { readonly t: 'error'; readonly code: string; readonly message: string };

export const RUN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type RunSignal = (typeof RUN_SIGNALS)[number];

/** A stream-json line may be 8 MiB; JSON escaping can grow it several times. */
export const MAX_FRAME_CHARS = 64 * 1024 * 1024;
/** File and transcript bytes travel in chunks this large (before base64). */
export const CHUNK_BYTES = 256 * 1024;

/** One connection, seen as frames. */
export class FrameChannel {
  private pending = '';
  private readonly listeners: ((frame: Frame) => void)[] = [];
  readonly closed: Promise<void>;

  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => socket.destroy());
  }

  onFrame(listener: (frame: Frame) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once the frame is handed to the kernel, so that a large transfer cannot outrun the reader. */
  send(frame: Frame): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.socket.write(`${JSON.stringify(frame)}\n`)) resolve();
      else this.socket.once('drain', resolve).once('close', resolve);
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const text = this.pending + chunk.slice(start, end);
      this.pending = '';
      start = end + 1;
      this.dispatch(text);
    }
    this.pending += chunk.slice(start);
    if (this.pending.length > MAX_FRAME_CHARS) this.socket.destroy();
  }

  private dispatch(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.socket.destroy();
      return;
    }
    if (typeof frame !== 'object' || frame === null) {
      this.socket.destroy();
      return;
    }
    for (const listener of this.listeners) listener(frame as Frame);
  }
}

/** Reads `t: 'chunk'` frames until `end` into one buffer, refusing more than `maxBytes`. */
export function collectChunks(channel: FrameChannel, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    channel.onFrame((frame) => {
      if (!('t' in frame)) return;
      if (frame.t === 'chunk') {
        const part = Buffer.from(frame.data, 'base64');
        size += part.length;
        if (size > maxBytes) {
          reject(new Error(`more than ${maxBytes} bytes sent`));
          channel.destroy();
          return;
        }
        parts.push(part);
      } else if (frame.t === 'end') resolve(Buffer.concat(parts));
      else if (frame.t === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
    });
    void channel.closed.then(() => reject(new Error('the connection closed before the end of the data')));
  });
}

export async function sendChunks(channel: FrameChannel, content: Buffer): Promise<void> {
  for (let offset = 0; offset < content.length; offset += CHUNK_BYTES) {
    await channel.send({ t: 'chunk', data: content.subarray(offset, offset + CHUNK_BYTES).toString('base64') });
  }
  await channel.send({ t: 'end' });
}
