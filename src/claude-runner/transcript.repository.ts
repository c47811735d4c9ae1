import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { BotConfig } from '../bots/bot.types';
import { MiB } from '../common/bytes';
import { AppConfig } from '../config/config.types';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';
import type { BotPlace } from '../agent/agent-protocol';
import { AgentSupervisor } from '../agent/agent-supervisor';
import { SecretScrubber } from '../logging/secret-scrubber';
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

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export type SaveOutcome = 'saved' | 'missing' | 'too_large';
/** `present` and `restored`: a `--resume` will find the transcript here. */
export type RestoreOutcome = 'present' | 'restored' | 'absent' | 'corrupt';

/**
 * Each thread's CLI transcript, gzipped in Redis beside the session id it belongs to, so that a follow-up
 * can `--resume` on a worker (or pod) whose config folder never saw the first run. Kept for
 * SESSION_TTL_SECONDS after the last run, like the session id itself.
 */
@Injectable()
export class TranscriptRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly agents: AgentSupervisor,
    private readonly scrubber: SecretScrubber,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(TranscriptRepository.name);
  }

  /** After a run: stores the session's transcript, or says why not. Too large also drops an older copy. */
  async save(thread: ThreadKey, bot: BotConfig, sessionId: string): Promise<SaveOutcome> {
    const key = keyOf(thread);
    const raw = await this.agents
      .forBot(bot.id)
      .readTranscript(placeOf(bot), sessionId, MAX_TRANSCRIPT_BYTES)
      .catch((error: unknown) => {
        throw new Error(`could not read the transcript of session ${sessionId}`, { cause: error });
      });
    if (raw === undefined) return 'missing';
    if (raw === 'too_large') return this.dropTooLarge(key);
    // What the agent printed (its own key, say) is in the transcript too, and Redis keeps no secret.
    const blob = await gzipAsync(Buffer.from(this.scrubber.scrub(raw.toString('utf8'))));
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
   * Before `--resume`: writes the stored transcript into the agent side's config folder unless a copy
   * at least as large is already there (transcripts only grow). A blob for another session is not used;
   * one that does not inflate is deleted.
   */
  async restore(thread: ThreadKey, bot: BotConfig, sessionId: string): Promise<RestoreOutcome> {
    const key = keyOf(thread);
    const agent = this.agents.forBot(bot.id);
    const localSize = await agent.transcriptSize(placeOf(bot), sessionId);
    // hmgetBuffer, not hgetallBuffer: its reply is the same array under RESP2 and RESP3 either mapping.
    const [storedSession, storedBytes, blob] = await this.redis.hmgetBuffer(key, 'session', 'bytes', 'gzip');
    if (blob === null || storedSession?.toString('utf8') !== sessionId)
      return localSize === undefined ? 'absent' : 'present';
    if (localSize !== undefined && localSize >= Number(storedBytes?.toString('utf8'))) return 'present';

    let raw: Buffer;
    try {
      raw = await gunzipAsync(blob, { maxOutputLength: MAX_TRANSCRIPT_BYTES });
    } catch (error) {
      this.logger.warn({ err: error, bot: bot.id, sessionId }, 'stored transcript is corrupt; deleting it');
      await this.redis.del(key);
      return localSize === undefined ? 'corrupt' : 'present';
    }
    await agent.writeTranscript(placeOf(bot), sessionId, raw).catch((error: unknown) => {
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
}

function placeOf(bot: BotConfig): BotPlace {
  return { botId: bot.id, workingDirectory: bot.workingDirectory };
}

function keyOf(thread: ThreadKey): string {
  return `${KEY_PREFIX}:${thread.botId}:transcript:${thread.channel}:${thread.threadTs}`;
}
