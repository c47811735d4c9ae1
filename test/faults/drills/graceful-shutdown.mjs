// Graceful shutdown under load: two api processes behind a client that, like a load balancer, sends
// to the other one when a connection is refused; one worker. SIGTERM to an api and to the worker while
// mentions come at 30 a second and CLIs run 3 s -> no 5xx to any webhook, both exit 0, and every
// mention is answered exactly once (the worker's running jobs are handed back and resumed).
import { join } from 'node:path';
import { REDIS_DBS, ROOT, sleep, waitFor } from '../../../bench/lib/harness.mjs';
import { describeViews, newMention, send, show, startStack, summarizeViews, threadViews } from '../support.mjs';

const RATE = 30;
const SECONDS = 12;
const CLI = join(ROOT, 'test', 'faults', 'cli', 'claude-switch');

export default {
  name: 'graceful-shutdown',
  title: 'SIGTERM to an api and to the worker under 30 mentions/s',
  cheap: false,
  boundSeconds: 240,
  async run({ say, check }) {
    const stack = await startStack({
      db: REDIS_DBS.drillsB,
      claudeBin: CLI,
      env: { SHUTDOWN_GRACE_SECONDS: '1', WORKER_CONCURRENCY: '16' },
      services: [
        { name: 'shutdown-api-1', role: 'api' },
        { name: 'shutdown-api-2', role: 'api' },
        { name: 'shutdown-worker-1', role: 'worker' },
      ],
      prefix: 'orch-shutdown-',
    });
    try {
      const [api1, api2, worker1] = stack.services;
      const mentions = [];
      const statuses = {};
      let failedOver = 0;
      const sending = (async () => {
        const start = Date.now();
        const pending = [];
        for (let i = 0; i < RATE * SECONDS; i++) {
          await sleep(Math.max(0, start + (i * 1000) / RATE - Date.now()));
          const mention = newMention({
            tag: 'g',
            channel: `C0SHUT${String(i % 10).padStart(5, '0')}`,
            text: '[[sleep:3000]]',
          });
          mentions.push(mention);
          const first = i % 2 === 0 ? api1 : api2;
          const other = first === api1 ? api2 : api1;
          pending.push(
            send(first.webhookUrl, mention.envelope).then(async (result) => {
              let final = result;
              if (result.status === 0) {
                failedOver += 1;
                final = await send(other.webhookUrl, mention.envelope);
              }
              statuses[final.status] = (statuses[final.status] ?? 0) + 1;
            }),
          );
        }
        await Promise.all(pending);
      })();
      await sleep(4_000);
      say('SIGTERM to shutdown-api-1');
      const apiExit = api1.stop('SIGTERM', 30_000);
      await sleep(2_000);
      say('SIGTERM to shutdown-worker-1 (3 s CLIs running, 1 s grace: they are handed back)');
      const workerExit = worker1.stop('SIGTERM', 30_000);
      await sleep(1_000);
      await stack.add({ name: 'shutdown-worker-2', role: 'worker' });
      say('shutdown-worker-2 started');
      await sending;
      const [apiCode, workerCode] = await Promise.all([apiExit, workerExit]);
      say(
        `sent ${mentions.length} mentions; ${failedOver} refused at connect and sent to the other api; final answers {${show(statuses)}}`,
      );
      const fivexx = Object.entries(statuses)
        .filter(([status]) => Number(status) >= 500)
        .reduce((n, [, c]) => n + c, 0);
      check('5xx answers to webhooks', '0', String(fivexx), fivexx === 0);
      check(
        'every webhook answered 200 in the end',
        String(mentions.length),
        String(statuses[200] ?? 0),
        statuses[200] === mentions.length,
      );
      check(
        'exit codes after SIGTERM (api, worker)',
        '0, 0',
        `${apiCode.code ?? apiCode.signal}, ${workerCode.code ?? workerCode.signal}`,
        apiCode.code === 0 && workerCode.code === 0,
      );
      await waitFor(() => summarizeViews(threadViews(stack.slack, mentions)).answered >= mentions.length, {
        timeoutMs: 90_000,
        intervalMs: 500,
        message: 'every mention to be answered',
      }).catch(() => undefined);
      await sleep(2_000);
      const summary = summarizeViews(threadViews(stack.slack, mentions));
      check(
        'every mention answered exactly once',
        `${mentions.length}`,
        describeViews(summary, mentions.length),
        summary.one === mentions.length && summary.answered === mentions.length,
      );
    } finally {
      await stack.stop();
    }
  },
};
