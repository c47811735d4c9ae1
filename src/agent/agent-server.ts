import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { MiB } from '../common/bytes';
import { assertJobId, assertSessionId } from './agent-paths';
import { collectChunks, FrameChannel, type Request, sendChunks } from './agent-protocol';
import { type RunHost, serveRun } from './agent-run';
import { trustForGit } from './git-trust';

/** What the worker may send of one attachment or transcript; the worker's own limits are lower. */
const MAX_FILE_BYTES = 64 * MiB;
const MAX_TRANSCRIPT_BYTES = 128 * MiB;
const IDLE_POLL_MS = 100;

/**
 * The agent side's end of the socket: runs CLIs and keeps their files, as the identity this process
 * has, holding no secret of the service's.
 */
export class AgentServer {
  private server: Server | undefined;
  private readonly connections = new Set<Socket>();

  constructor(
    private readonly host: RunHost,
    private readonly log: Logger,
  ) {}

  async listen(socketPath: string): Promise<void> {
    await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
    // A socket left by an earlier process of ours would make listen fail.
    await rm(socketPath, { force: true });
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    // The worker may be another user of the same group (a pod's fsGroup); nobody else may connect.
    await chmod(socketPath, 0o660);
    this.server = server;
  }

  /**
   * Resolves once no connection has been open for `quietMs`: the worker has finished with us (its runs
   * ended or handed back, their transcripts saved).
   */
  async idle(quietMs: number): Promise<void> {
    let quietSince = Date.now();
    while (Date.now() - quietSince < quietMs) {
      if (this.connections.size > 0) quietSince = Date.now();
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  }

  /** Stops taking connections and ends every run: their CLIs are killed when their connection closes. */
  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
    const channel = new FrameChannel(socket);
    let started = false;
    channel.onFrame((frame) => {
      if (started) return;
      started = true;
      this.serve(channel, frame as Request)
        .catch(async (error: unknown) => {
          this.log.warn({ err: error, op: (frame as Request).op }, 'agent request failed');
          await channel.send({ t: 'error', code: 'failed', message: (error as Error).message });
        })
        .finally(() => channel.end());
    });
  }

  private async serve(channel: FrameChannel, request: Request): Promise<void> {
    const { storage } = this.host;
    switch (request.op) {
      case 'hello': {
        const problems = await storage.prepare(request.bots);
        if (this.host.ownHome)
          await trustForGit(
            this.host.home,
            request.bots.map((bot) => bot.workingDirectory),
          );
        return channel.send({ t: 'ok', uid: process.getuid?.() ?? -1, problems });
      }
      case 'run':
        return serveRun(channel, request.run, this.host);
      case 'transcript.stat': {
        const file = await storage.findTranscript(request.place, assertSessionId(request.sessionId));
        return channel.send({ t: 'ok', size: file?.size ?? null });
      }
      case 'transcript.read': {
        const file = await storage.findTranscript(request.place, assertSessionId(request.sessionId));
        if (file === undefined || file.size > request.maxBytes) {
          return channel.send({ t: 'ok', found: file !== undefined, size: file?.size ?? null });
        }
        await channel.send({ t: 'ok', found: true, size: file.size });
        return sendChunks(channel, await storage.readTranscript(file));
      }
      case 'transcript.write': {
        const content = await collectChunks(channel, MAX_TRANSCRIPT_BYTES);
        await storage.writeTranscript(request.place, assertSessionId(request.sessionId), content);
        return channel.send({ t: 'ok' });
      }
      case 'files.put': {
        const content = await collectChunks(channel, MAX_FILE_BYTES);
        return channel.send({
          t: 'ok',
          path: await storage.putJobFile(assertJobId(request.jobId), request.name, content),
        });
      }
      case 'files.remove':
        await storage.removeJob(assertJobId(request.jobId));
        return channel.send({ t: 'ok' });
      case 'prune':
        return channel.send({ t: 'ok', removed: await storage.prune(request.olderThanSeconds) });
      default:
        return channel.send({ t: 'error', code: 'bad_request', message: 'unknown operation' });
    }
  }
}
