/**
 * A claim whose job is not kept yet lives briefly; once its job is kept it outlives Slack's last retry.
 * Either way it says that the message was counted against its user's rate limit.
 */
export const PENDING_TTL_SECONDS = 60;
export const KEPT_TTL_SECONDS = 24 * 3600;

/**
 * One round trip decides a delivery. A message is claimed under its event id (shared by Slack's
 * retries) and under team + channel + ts (shared by the `app_mention` and `message` twins). A claim
 * is `kept` once its job is kept; until then it holds the token of the delivery queuing the job.
 * - A kept claim: a duplicate.
 * - A claim not kept: the delivery that made it may have died before keeping its job, so this one
 *   takes it over and queues the job itself. The job id is the message's, so BullMQ adds nothing if
 *   the first delivery's job exists already or is being added; the message is not counted again.
 * - No claim: the message counts against the user's window; within the limit it is claimed for this
 *   delivery, over it claimed as kept (a retry is a duplicate) and the window's first refusal claims
 *   the notice.
 * KEYS: event, message, rate count, rate notice. ARGV: token, pending ttl, kept ttl, window, limit.
 * Returns 0 duplicate, 1 admitted, 2 rate limited, 3 rate limited and first in the window, 4 taken over.
 */
export const ADMIT_SCRIPT = `
local event = redis.call('GET', KEYS[1])
local message = redis.call('GET', KEYS[2])
if event == 'kept' or message == 'kept' then return 0 end
local claimed = event or message
if not claimed then
  local count = redis.call('INCR', KEYS[3])
  if count == 1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
  if count > tonumber(ARGV[5]) then
    redis.call('SET', KEYS[1], 'kept', 'EX', ARGV[3])
    redis.call('SET', KEYS[2], 'kept', 'EX', ARGV[3])
    if redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[4]) then return 3 end
    return 2
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
if claimed then return 4 end
return 1`;

/**
 * The job is queued: its claims last past Slack's retries and its thread counts as one the bot talks
 * in; unless another delivery of the message took the claim over meanwhile, which keeps it instead
 * (or its own retry does), so that each message is counted enqueued once.
 * KEYS: event, message, thread. ARGV: token, kept ttl, thread ttl. Returns 1 kept, 0 taken over.
 */
export const KEEP_SCRIPT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'kept', 'EX', ARGV[2])
redis.call('SET', KEYS[2], 'kept', 'EX', ARGV[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
return 1`;

/**
 * Lets Slack's retry of a delivery we failed to keep go through as a new one; a claim another
 * delivery has taken over (or kept) is left to it. KEYS: event, message. ARGV: token.
 */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1`;
