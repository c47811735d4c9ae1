import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { BotConfig } from '../bots/bot.types';
import { MiB } from '../common/bytes';
import { AppConfig } from '../config/config.types';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';
import { cliConfigDir } from './cli-invocation';
import type { ThreadKey } from './session.repository';

export type { ThreadKey } from './session.repository';

/**
 * Largest gzipped transcript kept in Redis. Redis holds everything in memory and one thread must not be
 * able to fill it; transcripts compress about ten to one, so this is a session of tens of megabytes of
 * JSONL, one that costs more tokens to resume than to start afresh.
 */
export const MAX_STORED_TRANSCRIPT_BYTES = 8 * MiB;

/**
 * Largest transcript file read into memory, and largest a stored blob may inflate to. Above it, even
 * exceptionally compressible JSONL would not fit MAX_STORED_TRANSCRIPT_BYTES, so reading it is wasted.
 */
export const MAX_TRANSCRIPT_BYTES = 128 * MiB;

/** The CLI shortens longer project folder names (see projectFolderName). */
const MAX_PROJECT_FOLDER_CHARS = 200;

const SESSION_ID = /^[A-Za-z0-9-]{1,128}$/;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export type SaveOutcome = 'saved' | 'missing' | 'too_large';
/** `present` and `restored`: a `--resume` will find the transcript here. */
export type RestoreOutcome = 'present' | 'restored' | 'absent' | 'corrupt';

interface LocalTranscript {
  readonly path: string;
  readonly size: number;
}

/**
 * Each thread's CLI transcript, gzipped in Redis beside the session id it belongs to, so that a follow-up
 * can `--resume` on a worker (or pod) whose config folder never saw the first run. Kept for
 * SESSION_TTL_SECONDS after the last run, like the session id itself.
 */
@Injectable()
export class TranscriptRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(TranscriptRepository.name);
  }

  /** After a run: stores the session's transcript, or says why not. Too large also drops an older copy. */
  async save(thread: ThreadKey, bot: BotConfig, sessionId: string): Promise<SaveOutcome> {
    const key = keyOf(thread);
    const local = await this.findLocal(bot, sessionId);
    if (local === undefined) return 'missing';
    if (local.size > MAX_TRANSCRIPT_BYTES) return this.dropTooLarge(key);
    const raw = await readFile(local.path).catch((error: unknown) => {
      throw new Error(`could not read the transcript of session ${sessionId}`, { cause: error });
    });
    const blob = await gzipAsync(raw);
    if (blob.length > MAX_STORED_TRANSCRIPT_BYTES) return this.dropTooLarge(key);
    // One hash, one TTL: the blob can never outlive, or be mistaken for, the session it belongs to.
    const replies = await this.redis
      .multi()
      .del(key)
      .hset(key, { session: sessionId, bytes: String(raw.length), gzip: blob })
      .expire(key, this.config.sessionTtlSeconds)
      .exec();
    const failed = replies === null ? new Error('transaction aborted') : replies.find(([error]) => error)?.[0];
    if (failed) throw new Error(`could not store the transcript of session ${sessionId}`, { cause: failed });
    return 'saved';
  }

  /**
   * Before `--resume`: writes the stored transcript into this machine's config folder unless a copy at
   * least as large is already there (transcripts only grow). A blob for another session is not used;
   * one that does not inflate is deleted.
   */
  async restore(thread: ThreadKey, bot: BotConfig, sessionId: string): Promise<RestoreOutcome> {
    const key = keyOf(thread);
    const local = await this.findLocal(bot, sessionId);
    // hmgetBuffer, not hgetallBuffer: its reply is the same array under RESP2 and RESP3 either mapping.
    const [storedSession, storedBytes, blob] = await this.redis.hmgetBuffer(key, 'session', 'bytes', 'gzip');
    if (blob === null || storedSession?.toString('utf8') !== sessionId) return local ? 'present' : 'absent';
    if (local !== undefined && local.size >= Number(storedBytes?.toString('utf8'))) return 'present';

    let raw: Buffer;
    try {
      raw = await gunzipAsync(blob, { maxOutputLength: MAX_TRANSCRIPT_BYTES });
    } catch (error) {
      this.logger.warn({ err: error, bot: bot.id, sessionId }, 'stored transcript is corrupt; deleting it');
      await this.redis.del(key);
      return local ? 'present' : 'corrupt';
    }
    // Over an older copy where it lies, so that the CLI cannot come across two versions of one session.
    const target =
      local?.path ?? transcriptPath(cliConfigDir(this.config.dataDir, bot.id), bot.workingDirectory, sessionId);
    await writeAtomically(target, raw).catch((error: unknown) => {
      throw new Error(`could not write the transcript of session ${sessionId}`, { cause: error });
    });
    return 'restored';
  }

  async forget(thread: ThreadKey): Promise<void> {
    await this.redis.del(keyOf(thread));
  }

  private async dropTooLarge(key: string): Promise<'too_large'> {
    await this.redis.del(key);
    return 'too_large';
  }

  /**
   * The transcript where the CLI writes it for this bot's working directory, else under any other project
   * folder of the bot: `--resume` finds a session there too, and the CLI has changed how it names those
   * folders before (long paths), so a miss at the computed path alone would lose a session for nothing.
   */
  private async findLocal(bot: BotConfig, sessionId: string): Promise<LocalTranscript | undefined> {
    const configDir = cliConfigDir(this.config.dataDir, bot.id);
    const expected = await statFile(transcriptPath(configDir, bot.workingDirectory, sessionId));
    if (expected !== undefined) return expected;
    const projects = join(configDir, 'projects');
    for (const folder of await listFolder(projects)) {
      const found = await statFile(join(projects, folder, `${sessionId}.jsonl`));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** Where the CLI keeps a session's transcript: `<config dir>/projects/<cwd as a folder name>/<id>.jsonl`. */
export function transcriptPath(configDir: string, cwd: string, sessionId: string): string {
  if (!SESSION_ID.test(sessionId)) throw new Error(`"${sessionId}" is not a Claude session id`);
  return join(configDir, 'projects', projectFolderName(resolve(cwd)), `${sessionId}.jsonl`);
}

/**
 * The CLI's own rule: every character but ASCII letters and digits becomes `-` (so `/` and `.` do, and
 * so do `_`, spaces and non-ASCII letters), without collapsing runs; a name over 200 characters is cut
 * there and given a base-36 hash of the whole path, to keep within file-name limits.
 */
function projectFolderName(cwd: string): string {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (name.length <= MAX_PROJECT_FOLDER_CHARS) return name;
  return `${name.slice(0, MAX_PROJECT_FOLDER_CHARS)}-${Math.abs(stringHash(cwd)).toString(36)}`;
}

/** Java's String.hashCode over UTF-16 code units, in 32-bit arithmetic, as the CLI computes it. */
function stringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = ((hash << 5) - hash + text.charCodeAt(i)) | 0;
  return hash;
}

function keyOf(thread: ThreadKey): string {
  return `${KEY_PREFIX}:${thread.botId}:transcript:${thread.channel}:${thread.threadTs}`;
}

async function statFile(path: string): Promise<LocalTranscript | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new Error(`could not look at ${path}`, { cause: error });
  }
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw new Error(`could not list ${path}`, { cause: error });
  }
}

/** Through a temporary file and a rename, so that a CLI starting meanwhile never reads half a transcript. */
async function writeAtomically(path: string, content: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
