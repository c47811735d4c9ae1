// The Redis work of taking one mention, done by the orchestrator's own code (../lib/product.mjs), in
// two shapes:
// - `sameAsOrchestrator`: its EventIntake, as its webhook runs it (admission, thread order, Queue.add,
//   keep): four round trips. What Bolt (c) runs.
// - `fewestRoundTrips`: its admission, then Queue.add with its job id and options: two round trips,
//   the least this work needs (the add must follow the claim), without the thread order and the keep
//   that make the orchestrator's intake ordered and crash-safe. What (b) and (e) run.
// Both read the orchestrator's configuration (bot, rate limit, Redis) from the environment the
// benchmark gives every server, and route events with its router.
import {
  JOB_OPTIONS,
  JobName,
  deliveryIdsOf,
  jobDataOf,
  messageJobId,
  productIntake,
  routeEvent,
} from '../lib/product.mjs';

export function connect() {
  return productIntake(process.env, { redisOptions: { enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
}

/** The bot as Slack knows it, which the harness passes to every server. */
export function identityFromEnv() {
  return JSON.parse(process.env.BENCH_BOT_IDENTITY);
}

/** What the orchestrator's router makes of an envelope: the message to answer, or undefined. */
export function messageOf(backend, envelope, identity) {
  const decision = routeEvent(envelope, backend.bot, identity);
  return decision.kind === 'answer' ? decision : undefined;
}

/** The orchestrator's own intake. Returns the outcome, as its metrics name it. */
export function sameAsOrchestrator({ intake, bot }, eventId, { message, onlyIfInThread }) {
  return intake.take(bot, eventId, message, onlyIfInThread);
}

/** Its admission, then the add. */
export async function fewestRoundTrips({ admission, queue, bot }, eventId, { message }) {
  const admitted = await admission.admit(deliveryIdsOf(bot.id, eventId, message));
  if (admitted.claim === undefined) return admitted.verdict === 'duplicate' ? 'duplicate' : 'rate_limited';
  const data = jobDataOf(bot.id, eventId, message);
  try {
    await queue.add(JobName.RunClaude, data, { jobId: messageJobId(data), ...JOB_OPTIONS });
  } catch (error) {
    await admission.release(admitted.claim).catch(() => undefined);
    throw error;
  }
  return 'enqueued';
}
