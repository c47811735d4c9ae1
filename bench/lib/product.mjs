// The product's own code, from its build (`npm run build`), for the benchmarks and the drills: its
// repositories, scripts, key names, job options and constants are imported from here, never copied.
// dist/ is CommonJS; Node hands its named exports to these ES modules.
// The product's DTOs read decorator metadata as they load, as dist/main.js has it.
import 'reflect-metadata';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadBots } from '../../dist/bots/load-bots.js';
import { loadConfig } from '../../dist/config/load-config.js';
import { SecretScrubber, configuredSecrets } from '../../dist/logging/secret-scrubber.js';
import { ClaudeJobProducer, messageJobId } from '../../dist/queue/claude-job.producer.js';
import { CLAUDE_QUEUE, JOB_OPTIONS, JobName, QUEUE_PREFIX } from '../../dist/queue/queue.constants.js';
import { ThreadOrderRepository } from '../../dist/queue/thread-order.repository.js';
import { redisOptionsFromUrl } from '../../dist/redis/redis-options.js';
import { AdmissionRepository } from '../../dist/webhooks/admission.repository.js';
import { parseBody, toEnvelope } from '../../dist/webhooks/envelope-parser.js';
import { EventIntake } from '../../dist/webhooks/event-intake.service.js';
import { routeEvent } from '../../dist/webhooks/event-router.js';
import { deliveryIdsOf, jobDataOf } from '../../dist/webhooks/message-job.js';
import { checkSlackSignature, computeSlackSignature } from '../../dist/webhooks/slack-signature.js';
import { ThreadRepository } from '../../dist/webhooks/thread.repository.js';

export {
  CLAUDE_QUEUE,
  JOB_OPTIONS,
  JobName,
  QUEUE_PREFIX,
  checkSlackSignature,
  computeSlackSignature,
  deliveryIdsOf,
  jobDataOf,
  messageJobId,
  parseBody,
  redisOptionsFromUrl,
  routeEvent,
  toEnvelope,
};

const quietLogger = { setContext() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The product's queue on the Redis of `redisUrl`, under the product's names. */
export function claudeQueue(redisUrl) {
  return new Queue(CLAUDE_QUEUE, { connection: redisOptionsFromUrl(redisUrl), prefix: QUEUE_PREFIX });
}

/** Jobs by state, as BullMQ counts them, in the product's queue. */
export async function jobCounts(redisUrl, states = []) {
  const queue = claudeQueue(redisUrl);
  try {
    return await queue.getJobCounts(...states);
  } finally {
    await queue.close();
  }
}

/**
 * The product's webhook intake (admission, thread order, producer, the EventIntake that runs them) in
 * this process, configured from the environment of a service (`env`) as the product reads it; the
 * Slack side (the rate-limit notice) is left out. `enqueue` may wrap the producer's enqueue.
 */
export function productIntake(env, { redisOptions = {}, enqueue } = {}) {
  const config = loadConfig(env);
  const [bot] = loadBots(config);
  const redis = new Redis({ ...redisOptionsFromUrl(config.redisUrl), ...redisOptions });
  const queue = claudeQueue(config.redisUrl);
  const admission = new AdmissionRepository(redis, config);
  admission.onModuleInit();
  const scrubber = new SecretScrubber(configuredSecrets(config, [bot]));
  const producer = new ClaudeJobProducer(queue, new ThreadOrderRepository(redis, config), scrubber, quietLogger);
  producer.onModuleInit();
  if (enqueue) producer.enqueue = enqueue(producer.enqueue.bind(producer));
  const slack = { postEphemeral: () => Promise.resolve() };
  const intake = new EventIntake(admission, new ThreadRepository(redis), producer, slack, quietLogger);
  return {
    config,
    bot,
    queue,
    admission,
    intake,
    close: () => Promise.allSettled([queue.close(), redis.quit()]),
  };
}
