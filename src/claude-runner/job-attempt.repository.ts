import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { JobOutcome } from '../metrics/metrics.constants';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';
import { SecretScrubber } from '../logging/secret-scrubber';

/** Where a job is in its life; each attempt starts from where the last one stopped. */
export type AttemptPhase = 'admitted' | 'preparing' | 'running' | 'delivering' | 'done';

/** One job's state across attempts and workers: one Redis hash, written once per phase. */
export interface JobAttempt {
  readonly phase: AttemptPhase;
  /** The thread's progress message, once posted: a retry updates it rather than posting another. */
  readonly progressTs?: string;
  /** The Claude session the run works in, once the CLI has said: a later attempt resumes it. */
  readonly sessionId?: string;
  /** The answer, kept from the run's end until every part of it is posted. */
  readonly answer?: string;
  /** How many of the answer's parts are posted: a retry goes on from the next one. */
  readonly partsPosted: number;
  /** A shutting-down worker ended the CLI on purpose: the next attempt resumes the session. */
  readonly handedBack?: boolean;
  readonly outcome?: JobOutcome;
}

export type AttemptChange = Partial<JobAttempt>;

/** As long as BullMQ keeps a failed job, and a little more. */
const ATTEMPT_TTL_SECONDS = 8 * 24 * 3600;

const FRESH: JobAttempt = { phase: 'admitted', partsPosted: 0 };

@Injectable()
export class JobAttemptRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly scrubber: SecretScrubber,
  ) {}

  async load(botId: string, jobId: string): Promise<JobAttempt> {
    const stored = await this.redis.hgetall(keyOf(botId, jobId));
    if (stored.phase === undefined) return FRESH;
    return {
      phase: stored.phase as AttemptPhase,
      partsPosted: Number(stored.partsPosted ?? 0) || 0,
      ...(stored.progressTs ? { progressTs: stored.progressTs } : {}),
      ...(stored.sessionId ? { sessionId: stored.sessionId } : {}),
      ...(stored.answer !== undefined ? { answer: stored.answer } : {}),
      ...(stored.handedBack === '1' ? { handedBack: true } : {}),
      ...(stored.outcome ? { outcome: stored.outcome as JobOutcome } : {}),
    };
  }

  /** One write: the changed fields and the key's life; a field set to undefined is removed. */
  async record(botId: string, jobId: string, change: AttemptChange): Promise<void> {
    const key = keyOf(botId, jobId);
    const set: Record<string, string> = {};
    const removed: string[] = [];
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) removed.push(field);
      else if (typeof value === 'boolean') set[field] = value ? '1' : '0';
      // What the agent wrote (the answer) is kept scrubbed, like everything this service stores.
      else set[field] = this.scrubber.scrub(String(value));
    }
    const multi = this.redis.multi();
    if (Object.keys(set).length > 0) multi.hset(key, set);
    if (removed.length > 0) multi.hdel(key, ...removed);
    const replies = await multi.expire(key, ATTEMPT_TTL_SECONDS).exec();
    const failed = replies === null ? new Error('transaction aborted') : replies.find(([error]) => error)?.[0];
    if (failed) throw new Error(`could not record job ${jobId}`, { cause: failed });
  }
}

function keyOf(botId: string, jobId: string): string {
  return `${KEY_PREFIX}:${botId}:job:${jobId}`;
}
