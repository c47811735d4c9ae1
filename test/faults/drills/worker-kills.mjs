// Worker kills: 3 worker processes, 300 mentions over ~2 minutes with a CLI taking 1 to 5 s, a random
// worker SIGKILLed every 15 s and started again -> every mention gets exactly one visible outcome (its
// answer, or one line saying it was interrupted). BullMQ finds a dead worker's jobs after its stall
// interval (30 s), so the drill waits up to 100 s after the last mention.
import { join } from 'node:path';
import { REDIS_DBS, ROOT, sleep, waitFor } from '../../../bench/lib/harness.mjs';
import { describeViews, newMention, send, show, startStack, summarizeViews, threadViews } from '../support.mjs';

const MENTIONS = 300;
const SPREAD_MS = 120_000;
const KILL_EVERY_MS = 15_000;
const CLI = join(ROOT, 'test', 'faults', 'cli', 'claude-switch');

export default {
  name: 'worker-kills',
  title: '3 workers, 300 mentions over 2 min, a random worker SIGKILLed every 15 s',
  cheap: false,
  boundSeconds: 420,
  async run({ say, check }) {
    const stack = await startStack({
      db: REDIS_DBS.drillsC,
      claudeBin: CLI,
      services: [
        { name: 'kills-api', role: 'api' },
        ...[1, 2, 3].map((n) => ({ name: `kills-worker-${n}`, role: 'worker' })),
      ],
      prefix: 'orch-kills-',
    });
    try {
      const url = stack.services[0].webhookUrl;
      let workers = stack.services.slice(1);
      const mentions = [];
      const statuses = {};
      let restarts = 0;
      const kills = [];
      const sending = (async () => {
        const start = Date.now();
        const pending = [];
        for (let i = 0; i < MENTIONS; i++) {
          await sleep(Math.max(0, start + (i * SPREAD_MS) / MENTIONS - Date.now()));
          const seconds = 1000 + Math.floor(Math.random() * 4000);
          const mention = newMention({
            tag: 'k',
            channel: `C0KILL${String(i % 10).padStart(5, '0')}`,
            text: `[[sleep:${seconds}]]`,
          });
          mentions.push(mention);
          pending.push(send(url, mention.envelope).then((r) => (statuses[r.status] = (statuses[r.status] ?? 0) + 1)));
        }
        await Promise.all(pending);
      })();
      const killing = (async () => {
        const start = Date.now();
        for (let n = 1; Date.now() - start < SPREAD_MS - 5_000; n++) {
          await sleep(Math.max(0, start + n * KILL_EVERY_MS - Date.now()));
          const victim = workers[Math.floor(Math.random() * workers.length)];
          process.kill(victim.pid, 'SIGKILL');
          kills.push(victim.name);
          await victim.exited;
          restarts += 1;
          const replacement = await stack.add({ name: `kills-worker-r${restarts}`, role: 'worker' });
          workers = workers.map((worker) => (worker === victim ? replacement : worker));
        }
      })();
      await Promise.all([sending, killing]);
      say(
        `sent ${MENTIONS} mentions over ${SPREAD_MS / 1000} s (CLI 1-5 s each), answers {${show(statuses)}}; SIGKILLed ${kills.length} workers (${kills.join(', ')}), each started again`,
      );
      const done = () => summarizeViews(threadViews(stack.slack, mentions));
      await waitFor(() => done().none === 0, {
        timeoutMs: 100_000,
        intervalMs: 1000,
        message: 'every mention to get an outcome',
      }).catch(() => undefined);
      await sleep(3_000);
      const views = threadViews(stack.slack, mentions);
      const summary = summarizeViews(views);
      const interrupted = views.filter(
        (view) => view.finals.length === 1 && !view.finals[0].includes('mention-id='),
      ).length;
      say(`outcomes: ${summary.answered} answered, ${interrupted} said they were interrupted or failed`);
      check('webhooks answered 200', `${MENTIONS}`, String(statuses[200] ?? 0), statuses[200] === MENTIONS);
      check(
        'every mention has exactly one visible outcome',
        `${MENTIONS}`,
        describeViews(summary, MENTIONS),
        summary.none === 0 && summary.several === 0,
      );
      check('no progress message left behind', '0 threads', `${summary.leftover} threads`, summary.leftover === 0);
    } finally {
      await stack.stop();
    }
  },
};
