import { Redis } from 'ioredis';
import type { PinoLogger } from 'nestjs-pino';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { botConfig, IDS, nextTs } from '../../test/factories';
import type { BotConfig } from '../bots/bot.types';
import { loadConfig } from '../config/load-config';
import type { ThreadKey } from './session.repository';
import { MAX_STORED_TRANSCRIPT_BYTES, TranscriptRepository } from './transcript.repository';
import { SecretScrubber } from '../logging/secret-scrubber';
import { configDirOf, transcriptPath } from '../agent/agent-paths';
import { type InProcessAgentSide, startAgentSide } from '../../test/agent-side';

const SESSION_TTL_SECONDS = 3_600;
const AGENT_KEY = 'sk-ant-transcript-secret-1234';
const scrubber = new SecretScrubber([AGENT_KEY]);

const quietLogger = { setContext: () => undefined, warn: () => undefined } as unknown as PinoLogger;

/** One worker process with its agent side: its own DATA_DIR, so its own CLI config folder. */
interface Worker {
  readonly dataDir: string;
  readonly agent: InProcessAgentSide;
  readonly transcripts: TranscriptRepository;
  /** Where the CLI on this worker keeps the session's transcript. */
  pathOf(sessionId: string): string;
}

describe('TranscriptRepository against a real Redis', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db: 5 });
  const root = mkdtempSync(join(tmpdir(), 'orchestrator-transcripts-'));
  const workingDirectory = join(root, 'repos', 'backend.service');
  const bot: BotConfig = botConfig({ workingDirectory });
  let workerA: Worker;
  let workerB: Worker;

  const worker = async (name: string): Promise<Worker> => {
    const dataDir = join(root, name);
    const config = loadConfig({
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      DATA_DIR: dataDir,
      SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
    });
    const agent = await startAgentSide(dataDir);
    return {
      dataDir,
      agent,
      transcripts: new TranscriptRepository(redis, agent.supervisor, scrubber, config, quietLogger),
      pathOf: (sessionId) => transcriptPath(configDirOf({ root: dataDir }, bot.id), workingDirectory, sessionId),
    };
  };

  /** What the CLI leaves behind after a run: JSONL lines of a conversation. */
  const writeTranscript = (path: string, lines: number, extra = ''): Buffer => {
    const content = Buffer.from(
      Array.from({ length: lines }, (_, i) =>
        JSON.stringify({ type: i % 2 ? 'assistant' : 'user', text: `turn ${i} ${extra}` }),
      ).join('\n') + '\n',
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return content;
  };

  const newThread = (): ThreadKey => ({ botId: bot.id, channel: IDS.channel, threadTs: nextTs() });
  const keyOf = (thread: ThreadKey) => `orchestrator:${thread.botId}:transcript:${thread.channel}:${thread.threadTs}`;

  beforeAll(async () => {
    await redis.flushdb();
    workerA = await worker('worker-a');
    workerB = await worker('worker-b');
  });

  afterAll(async () => {
    await Promise.all([workerA.agent.close(), workerB.agent.close()]);
    await redis.flushdb();
    await redis.quit();
    rmSync(root, { recursive: true, force: true });
  });

  it('names the transcript after the working directory as the CLI does', () => {
    const id = '5d0c3f0e-1b2a-4c3d-9e8f-0a1b2c3d4e5f';
    expect(transcriptPath('/data/bots/b/claude', '/tmp/s2/work.with.dots', id)).toBe(
      `/data/bots/b/claude/projects/-tmp-s2-work-with-dots/${id}.jsonl`,
    );
    expect(transcriptPath('/c', '/srv/my_repo v2/', id)).toBe(`/c/projects/-srv-my-repo-v2/${id}.jsonl`);
    const long = `/srv/${'nested/'.repeat(40)}repo`;
    const folder = transcriptPath('/c', long, id).split('/')[3];
    expect(folder.slice(0, 200)).toBe(long.replace(/\//g, '-').slice(0, 200));
    expect(folder.slice(200)).toMatch(/^-[0-9a-z]+$/);
    expect(() => transcriptPath('/c', '/srv', '../../etc/passwd')).toThrow('is not a Claude session id');
  });

  it('resumes on another worker: saved on A, restored byte for byte on B, with the session TTL', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    const original = writeTranscript(workerA.pathOf(sessionId), 500);

    await expect(workerA.transcripts.save(thread, bot, sessionId)).resolves.toBe('saved');
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('restored');

    expect(readFileSync(workerB.pathOf(sessionId)).equals(original)).toBe(true);
    const ttl = await redis.ttl(keyOf(thread));
    expect(ttl).toBeGreaterThan(SESSION_TTL_SECONDS - 10);
    expect(ttl).toBeLessThanOrEqual(SESSION_TTL_SECONDS);
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('present');
  });

  it('stores no secret the agent printed: the copy another worker gets says [redacted]', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    writeTranscript(workerA.pathOf(sessionId), 4, `my key is ${AGENT_KEY}`);

    await workerA.transcripts.save(thread, bot, sessionId);
    await workerB.transcripts.restore(thread, bot, sessionId);

    const restored = readFileSync(workerB.pathOf(sessionId), 'utf8');
    expect(restored).toContain('my key is [redacted]');
    expect(restored).not.toContain(AGENT_KEY);
  });

  it('replaces an older, shorter copy but keeps one at least as long', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    writeTranscript(workerB.pathOf(sessionId), 10);
    const latest = writeTranscript(workerA.pathOf(sessionId), 40);
    await workerA.transcripts.save(thread, bot, sessionId);

    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('restored');
    expect(readFileSync(workerB.pathOf(sessionId)).equals(latest)).toBe(true);

    const longerHere = writeTranscript(workerB.pathOf(sessionId), 60);
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('present');
    expect(readFileSync(workerB.pathOf(sessionId)).equals(longerHere)).toBe(true);
  });

  it('finds a transcript the CLI filed under another project folder', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    const elsewhere = join(
      configDirOf({ root: workerA.dataDir }, bot.id),
      'projects',
      '-some-other-cwd',
      `${sessionId}.jsonl`,
    );
    const original = writeTranscript(elsewhere, 20);

    await expect(workerA.transcripts.save(thread, bot, sessionId)).resolves.toBe('saved');
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('restored');
    expect(readFileSync(workerB.pathOf(sessionId)).equals(original)).toBe(true);
  });

  it('says missing when the run left no transcript, and absent when nothing was stored', async () => {
    const thread = newThread();
    const sessionId = randomUUID();

    await expect(workerA.transcripts.save(thread, bot, sessionId)).resolves.toBe('missing');
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('absent');
    expect(await redis.exists(keyOf(thread))).toBe(0);
  });

  it('refuses to store a transcript past the bound and drops the older copy', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    writeTranscript(workerA.pathOf(sessionId), 10);
    await workerA.transcripts.save(thread, bot, sessionId);
    expect(await redis.exists(keyOf(thread))).toBe(1);

    // Random bytes do not compress: past the bound even gzipped.
    const incompressible = randomBytes(MAX_STORED_TRANSCRIPT_BYTES).toString('base64');
    writeTranscript(workerA.pathOf(sessionId), 1, incompressible);

    await expect(workerA.transcripts.save(thread, bot, sessionId)).resolves.toBe('too_large');
    expect(await redis.exists(keyOf(thread))).toBe(0);
    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('absent');
  });

  it('refuses a stored transcript that belongs to another session', async () => {
    const thread = newThread();
    const stored = randomUUID();
    const asked = randomUUID();
    writeTranscript(workerA.pathOf(stored), 10);
    await workerA.transcripts.save(thread, bot, stored);

    await expect(workerB.transcripts.restore(thread, bot, asked)).resolves.toBe('absent');
    expect(() => readFileSync(workerB.pathOf(asked))).toThrow('ENOENT');
    expect(() => readFileSync(workerB.pathOf(stored))).toThrow('ENOENT');
  });

  it('deletes a blob that does not inflate and says corrupt', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    await redis.hset(keyOf(thread), { session: sessionId, bytes: '100', gzip: Buffer.from('not gzip at all') });

    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('corrupt');
    expect(await redis.exists(keyOf(thread))).toBe(0);
    expect(() => readFileSync(workerB.pathOf(sessionId))).toThrow('ENOENT');
  });

  it('forgets a thread', async () => {
    const thread = newThread();
    const sessionId = randomUUID();
    writeTranscript(workerA.pathOf(sessionId), 10);
    await workerA.transcripts.save(thread, bot, sessionId);

    await workerA.transcripts.forget(thread);

    await expect(workerB.transcripts.restore(thread, bot, sessionId)).resolves.toBe('absent');
  });
});
