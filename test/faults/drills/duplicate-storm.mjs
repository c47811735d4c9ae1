// Duplicate storm: 1,000 unique mentions, 30 % re-sent 1 to 3 times with Slack's retry headers, 10 %
// also as their `message` twins, all at once in a shuffled order -> exactly 1,000 jobs and 1,000
// answers, no duplicate.
import { INSTANT_CLAUDE, REDIS_DBS, waitFor } from '../../../bench/lib/harness.mjs';
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
  twinOf,
} from '../support.mjs';

const MENTIONS = 1000;

function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export default {
  name: 'duplicate-storm',
  title: '1,000 mentions, 30 % retried 1-3 times, 10 % with message twins, concurrently',
  cheap: true,
  boundSeconds: 240,
  async run({ say, check }) {
    const stack = await startStack({
      db: REDIS_DBS.drills,
      claudeBin: INSTANT_CLAUDE,
      services: [{ name: 'storm-all', role: 'all', env: { WORKER_CONCURRENCY: '16' } }],
      prefix: 'orch-storm-',
    });
    try {
      const url = stack.services[0].webhookUrl;
      const channels = Array.from({ length: 20 }, (_, i) => `C0STORM${String(i).padStart(4, '0')}`);
      const mentions = Array.from({ length: MENTIONS }, (_, i) => newMention({ tag: 's', channel: channels[i % 20] }));
      const deliveries = [];
      let retries = 0;
      let twins = 0;
      for (const mention of mentions) {
        deliveries.push(() => send(url, mention.envelope));
        if (Math.random() < 0.3) {
          const times = 1 + Math.floor(Math.random() * 3);
          for (let n = 1; n <= times; n++) deliveries.push(() => send(url, mention.envelope, { retryNum: n }));
          retries += times;
        }
        if (Math.random() < 0.1) {
          deliveries.push(() => send(url, twinOf(mention)));
          twins += 1;
        }
      }
      say(
        `sent: ${MENTIONS} mentions + ${retries} retries (X-Slack-Retry-Num 1-3) + ${twins} message twins = ${deliveries.length} deliveries, 50 at a time, shuffled`,
      );
      const started = Date.now();
      const results = await pool(shuffle(deliveries), 50);
      say(`all delivered in ${((Date.now() - started) / 1000).toFixed(1)} s; answers: ${show(statusCounts(results))}`);
      check(
        'every delivery answered 200',
        `${deliveries.length}`,
        `${results.filter((r) => r.status === 200).length}`,
        results.every((r) => r.status === 200),
      );

      await waitFor(() => summarizeViews(threadViews(stack.slack, mentions)).answered >= MENTIONS, {
        timeoutMs: 150_000,
        intervalMs: 500,
        message: 'every mention to be answered',
      }).catch(() => undefined);
      // A duplicate job would show up a moment after the first answer: give it time to.
      await new Promise((done) => setTimeout(done, 2000));
      const summary = summarizeViews(threadViews(stack.slack, mentions));
      check(
        'each mention answered exactly once in its thread',
        `${MENTIONS} with one outcome`,
        describeViews(summary, MENTIONS),
        summary.one === MENTIONS && summary.answered === MENTIONS,
      );

      const answers = stack.slack
        .calls('chat.update')
        .map((call) => /mention-id=(s\d+) /.exec(String(call.args.markdown_text ?? ''))?.[1])
        .filter(Boolean);
      const distinct = new Set(answers).size;
      check(
        'CLI runs (answers posted)',
        `${MENTIONS}, 0 duplicates`,
        `${answers.length}, ${answers.length - distinct} duplicates`,
        answers.length === MENTIONS && distinct === MENTIONS,
      );

      const counts = await jobCounts(stack.redisUrl);
      check('jobs in the queue', `${MENTIONS}`, `${total(counts)} (${show(counts)})`, total(counts) === MENTIONS);
      const metrics = await fetch(`${stack.services[0].url}/metrics`).then((r) => r.text());
      const outcome = (name) =>
        metrics
          .split('\n')
          .filter((line) => line.startsWith('orchestrator_slack_events_total') && line.includes(`outcome="${name}"`))
          .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      check(
        'events counted enqueued / duplicate',
        `${MENTIONS} / ${retries + twins}`,
        `${outcome('enqueued')} / ${outcome('duplicate')}`,
        outcome('enqueued') === MENTIONS && outcome('duplicate') === retries + twins,
      );
    } finally {
      await stack.stop();
    }
  },
};
