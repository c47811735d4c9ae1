// The Redis work of taking one mention, as the orchestrator does it, in two shapes:
// - `sameAsOrchestrator`: the orchestrator's own calls, one after another (claim, rate limit, thread
//   order, Queue.add, thread mark, confirm): six round trips. What Bolt (c) runs.
// - `fewestRoundTrips`: one Lua script for de-dupe + rate limit + thread bookkeeping, then Queue.add:
//   two round trips, the least this work needs (the add must follow the claim). What (b) runs.
// Keys, scripts, job id and job options are the orchestrator's (src/webhooks, src/queue).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const PREFIX = 'orchestrator';
const PENDING_TTL = 60;
const KEPT_TTL = 24 * 3600;
const SESSION_TTL = 604_800;
const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
};

const CLAIM_ALL = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
end
return 1`;

const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count <= tonumber(ARGV[2]) then return {count, 0} end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return {count, 1} end
return {count, 0}`;

/**
 * KEYS: event, message, rate count, rate notice, thread order, thread mark.
 * ARGV: kept ttl, window seconds, max requests, thread-order member, session ttl.
 * Returns {0} duplicate, {1, notify} rate limited, {2} taken.
 */
const TAKE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return {0} end
redis.call('SET', KEYS[1], 'kept', 'EX', ARGV[1])
redis.call('SET', KEYS[2], 'kept', 'EX', ARGV[1])
local count = redis.call('INCR', KEYS[3])
if count == 1 then redis.call('EXPIRE', KEYS[3], ARGV[2]) end
if count > tonumber(ARGV[3]) then
  if redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[2]) then return {1, 1} end
  return {1, 0}
end
redis.call('ZADD', KEYS[5], 0, ARGV[4])
redis.call('EXPIRE', KEYS[5], ARGV[5])
redis.call('SET', KEYS[6], '1', 'EX', ARGV[5])
return {2}`;

const RELEASE = `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`;

export function connect(redisUrl) {
  const url = new URL(redisUrl);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
  };
  const redis = new Redis({ ...connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.defineCommand('claimAll', { lua: CLAIM_ALL });
  redis.defineCommand('rateHit', { lua: HIT });
  redis.defineCommand('take', { numberOfKeys: 6, lua: TAKE });
  redis.defineCommand('release', { numberOfKeys: 3, lua: RELEASE });
  const queue = new Queue('claude-jobs', { connection, prefix: `${PREFIX}:bull` });
  return { redis, queue };
}

function keys(botId, message, window) {
  return {
    event: `${PREFIX}:${botId}:dedupe:event:${message.eventId}`,
    message: `${PREFIX}:${botId}:dedupe:message:${message.teamId}:${message.channel}:${message.ts}`,
    rateCount: `${PREFIX}:${botId}:ratelimit:${message.user}:${window}`,
    rateNotice: `${PREFIX}:${botId}:ratelimit-notice:${message.user}:${window}`,
    threadOrder: `${PREFIX}:${botId}:thread-jobs:${message.channel}:${message.threadTs}`,
    thread: `${PREFIX}:${botId}:thread:${message.channel}:${message.threadTs}`,
  };
}

function jobOf(botId, message) {
  const jobId = [botId, message.teamId, message.channel, message.ts].join('-');
  const data = {
    botId,
    teamId: message.teamId,
    channel: message.channel,
    threadTs: message.threadTs,
    messageTs: message.ts,
    user: message.user,
    text: message.text,
    eventId: message.eventId,
  };
  return { jobId, data };
}

/** The orchestrator's sequence of calls. Returns the outcome, as its metrics name it. */
export async function sameAsOrchestrator({ redis, queue }, botId, message, limit) {
  const window = Math.floor(Date.now() / 1000 / limit.windowSeconds);
  const k = keys(botId, message, window);
  if ((await redis.claimAll(2, k.event, k.message, 'pending', PENDING_TTL)) !== 1) return 'duplicate';
  const [count] = await redis.rateHit(2, k.rateCount, k.rateNotice, limit.windowSeconds, limit.maxRequests);
  if (count > limit.maxRequests) {
    await redis.multi().set(k.event, 'kept', 'EX', KEPT_TTL).set(k.message, 'kept', 'EX', KEPT_TTL).exec();
    return 'rate_limited';
  }
  const { jobId, data } = jobOf(botId, message);
  try {
    await redis.multi().zadd(k.threadOrder, 0, `${message.ts}|${jobId}`).expire(k.threadOrder, SESSION_TTL).exec();
    await queue.add('run-claude', data, { jobId, ...JOB_OPTIONS });
    await redis.set(k.thread, '1', 'EX', SESSION_TTL);
    await redis.multi().set(k.event, 'kept', 'EX', KEPT_TTL).set(k.message, 'kept', 'EX', KEPT_TTL).exec();
  } catch (error) {
    await redis.del(k.event, k.message).catch(() => undefined);
    throw error;
  }
  return 'enqueued';
}

/** One script, then the add. */
export async function fewestRoundTrips({ redis, queue }, botId, message, limit) {
  const window = Math.floor(Date.now() / 1000 / limit.windowSeconds);
  const k = keys(botId, message, window);
  const { jobId, data } = jobOf(botId, message);
  const member = `${message.ts}|${jobId}`;
  const [verdict] = await redis.take(
    ...[k.event, k.message, k.rateCount, k.rateNotice, k.threadOrder, k.thread],
    KEPT_TTL,
    limit.windowSeconds,
    limit.maxRequests,
    member,
    SESSION_TTL,
  );
  if (verdict === 0) return 'duplicate';
  if (verdict === 1) return 'rate_limited';
  try {
    await queue.add('run-claude', data, { jobId, ...JOB_OPTIONS });
  } catch (error) {
    await redis.release(k.event, k.message, k.threadOrder, member).catch(() => undefined);
    throw error;
  }
  return 'enqueued';
}

/** The message a mention carries, as the orchestrator's router reads it (mention stripped). */
export function messageOf(envelope, botUserId) {
  const { event } = envelope;
  if (event.type !== 'app_mention' && event.type !== 'message') return undefined;
  if (event.user === botUserId || event.bot_id !== undefined || event.subtype !== undefined) return undefined;
  if (!event.user || !event.ts || !event.channel) return undefined;
  const text = (event.text ?? '').replace(new RegExp(`<@${botUserId}(\\|[^>]*)?> ?`, 'g'), '').trim();
  if (text === '') return undefined;
  return {
    eventId: envelope.event_id,
    teamId: event.team ?? envelope.team_id,
    channel: event.channel,
    ts: event.ts,
    threadTs: event.thread_ts ?? event.ts,
    user: event.user,
    text,
  };
}

export function limitFromEnv() {
  return {
    maxRequests: Number(process.env.RATE_LIMIT_MAX_REQUESTS ?? 10),
    windowSeconds: Number(process.env.RATE_LIMIT_WINDOW_SECONDS ?? 60),
  };
}
