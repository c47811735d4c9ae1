// Intake crash: deliveries whose api process dies between claiming their message and keeping its job
// (half before the job is queued, half after), then Slack's retries -> every retry answered 200, one
// job and one answer per mention, and a later retry a duplicate.
import { INSTANT_CLAUDE, REDIS_DBS, benchIdentity, waitFor } from '../../../bench/lib/harness.mjs';
import { productIntake, routeEvent } from '../../../bench/lib/product.mjs';
import {
  describeViews,
  jobCounts,
  newMention,
  pool,
  send,
  show,
  startStack,
  statusCounts,
  summarizeViews,
  threadViews,
  total,
} from '../support.mjs';

const EACH = 10;
const STAGES = ['before its job is queued', 'before its job is kept'];

/**
 * The product's own intake in this process, configured as a service of the stack (`env`), whose
 * deliveries die at a stage of their enqueue as a killed process would: from there on nothing runs,
 * so the claim is neither kept nor released, and Slack hears nothing.
 */
function dyingIntake(env) {
  let dying;
  const never = new Promise(() => undefined);
  const product = productIntake(env, {
    enqueue: (enqueue) => async (data) => {
      const { stage, died } = dying;
      if (stage !== STAGES[0]) await enqueue(data);
      died();
      return never;
    },
  });
  return {
    async deliverAndDie(envelope, stage) {
      const decision = routeEvent(envelope, product.bot, benchIdentity());
      const died = new Promise((resolve) => (dying = { stage, died: resolve }));
      void product.intake.take(product.bot, envelope.event_id, decision.message, decision.onlyIfInThread);
      await died;
    },
    close: product.close,
  };
}

function eventOutcomes(metrics, name) {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('orchestrator_slack_events_total') && line.includes(`outcome="${name}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

export default {
  name: 'intake-crash',
  title: "deliveries killed between claiming a message and keeping its job, then Slack's retries",
  cheap: true,
  boundSeconds: 120,
  async run({ say, check }) {
    const stack = await startStack({
      db: REDIS_DBS.drills,
      claudeBin: INSTANT_CLAUDE,
      services: [{ name: 'crash-all', role: 'all' }],
      prefix: 'orch-crash-',
    });
    const dying = dyingIntake(stack.services[0].env);
    try {
      const { url: serviceUrl, webhookUrl } = stack.services[0];
      const mentions = STAGES.flatMap((stage) =>
        Array.from({ length: EACH }, () => ({ ...newMention({ tag: 'k' }), stage })),
      );
      for (const mention of mentions) await dying.deliverAndDie(mention.envelope, mention.stage);
      say(
        `${mentions.length} first deliveries died (${EACH} ${STAGES[0]}, ${EACH} ${STAGES[1]}), ` +
          `leaving ${total(await jobCounts(stack.redisUrl))} jobs`,
      );

      const retries = (retryNum) =>
        pool(
          mentions.map((mention) => () => send(webhookUrl, mention.envelope, { retryNum })),
          10,
        );
      const counted = async () => {
        const metrics = await fetch(`${serviceUrl}/metrics`).then((response) => response.text());
        return ['enqueued', 'duplicate'].map((name) => eventOutcomes(metrics, name));
      };
      const first = await retries(1);
      check(
        "Slack's first retries answered 200",
        `${mentions.length}`,
        show(statusCounts(first)),
        first.every((result) => result.status === 200),
      );
      const [enqueued] = await counted();
      check('first retries counted enqueued', `${mentions.length}`, `${enqueued}`, enqueued === mentions.length);
      await waitFor(
        async () => {
          const counts = await jobCounts(stack.redisUrl);
          const unfinished = counts.active + counts.wait + counts.delayed + counts.prioritized;
          return unfinished === 0 && summarizeViews(threadViews(stack.slack, mentions)).answered >= mentions.length;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'every mention to be answered' },
      ).catch(() => undefined);
      const summary = summarizeViews(threadViews(stack.slack, mentions));
      check(
        'each mention answered exactly once in its thread',
        `${mentions.length} with one outcome`,
        describeViews(summary, mentions.length),
        summary.one === mentions.length && summary.answered === mentions.length,
      );

      const second = await retries(2);
      const [, duplicate] = await counted();
      check(
        "Slack's second retries answered 200, counted duplicate",
        `${mentions.length} x 200, ${mentions.length} duplicate`,
        `${show(statusCounts(second))}, ${duplicate} duplicate`,
        second.every((result) => result.status === 200) && duplicate === mentions.length,
      );
      // A retry answers once its job is in the queue: a second job would be counted here already.
      const counts = await jobCounts(stack.redisUrl);
      check(
        'jobs in the queue',
        `${mentions.length}`,
        `${total(counts)} (${show(counts)})`,
        total(counts) === mentions.length,
      );
    } finally {
      await dying.close();
      await stack.stop();
    }
  },
};
