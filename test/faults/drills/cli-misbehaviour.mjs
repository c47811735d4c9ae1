// CLI misbehaviour: a CLI that ignores SIGTERM and leaves a grandchild -> nothing left 5 s after the
// time limit; a CLI that crashes mid-stream -> one clear failure line; a CLI that floods 200 MB of
// output -> the worker's memory stays bounded and the thread gets a clear line.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOT, REDIS_DBS, ROOT, processAlive, procStats, sleep, waitFor } from '../../../bench/lib/harness.mjs';
import { newMention, send, startStack, threadViews } from '../support.mjs';

const CLI = join(ROOT, 'test', 'faults', 'cli', 'claude-switch');
const TIMEOUT_SECONDS = 3;

function records(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        return [JSON.parse(readFileSync(join(dir, name), 'utf8'))];
      } catch {
        return [];
      }
    });
}

async function outcome(slack, mention, timeoutMs = 60_000) {
  await waitFor(() => threadViews(slack, [mention])[0].finals.length > 0, {
    timeoutMs,
    intervalMs: 200,
    message: `an outcome for ${mention.id}`,
  }).catch(() => undefined);
  await sleep(1_000);
  const view = threadViews(slack, [mention])[0];
  return { view, text: view.finals.join(' | ').replace(/\s+/g, ' ').slice(0, 160) || '(nothing)' };
}

export default {
  name: 'cli-misbehaviour',
  title: 'a CLI that hangs ignoring SIGTERM with a grandchild, crashes mid-stream, floods 200 MB',
  cheap: false,
  boundSeconds: 420,
  async run({ say, check }) {
    const recordDir = join('/tmp', `orch-cli-records-${process.pid}`);
    mkdirSync(recordDir, { recursive: true });
    const botsFile = join('/tmp', `orch-cli-bots-${process.pid}.yaml`);
    const stack = await startStack({
      db: REDIS_DBS.drillsC,
      claudeBin: CLI,
      env: { BOTS_CONFIG: botsFile },
      services: [],
      prefix: 'orch-cli-',
    });
    writeFileSync(
      botsFile,
      `bots:
  - id: ${BOT.id}
    signingSecret: ${BOT.signingSecret}
    token: ${BOT.token}
    workingDirectory: ${join(stack.dir, 'work')}
    timeoutSeconds: ${TIMEOUT_SECONDS}
    claude:
      env:
        FAKE_CLAUDE_RECORD_DIR: ${recordDir}
`,
    );
    try {
      const worker = await stack.add({ name: 'cli-all', role: 'all' });
      const url = worker.webhookUrl;

      // 1. Hangs, ignores SIGTERM, leaves a grandchild.
      const hang = newMention({ tag: 'c', text: '[[hang]]' });
      await send(url, hang.envelope);
      const record = await waitFor(
        () => records(recordDir).find((r) => r.stdin?.includes(`mention-id=${hang.id}`) && r.childPid),
        { timeoutMs: 20_000, message: 'the hanging CLI and its child' },
      );
      const limitAt = record.startedAt + TIMEOUT_SECONDS * 1000;
      say(
        `sent "[[hang]]" (the CLI and its grandchild ignore SIGINT and SIGTERM) with a ${TIMEOUT_SECONDS} s limit: CLI pid ${record.pid}, grandchild pid ${record.childPid}`,
      );
      let goneAt;
      await waitFor(
        () => {
          if (!processAlive(record.pid) && !processAlive(record.childPid)) goneAt = Date.now();
          return goneAt !== undefined || Date.now() > limitAt + 15_000;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const after = goneAt === undefined ? undefined : (goneAt - limitAt) / 1000;
      check(
        'CLI and grandchild gone 5 s after the time limit',
        '<= 5 s',
        after === undefined ? 'still there 15 s after' : `gone ${after.toFixed(1)} s after the limit`,
        after !== undefined && after <= 5,
      );
      const hung = await outcome(stack.slack, hang);
      check(
        'the thread says it timed out, once',
        '1 line with (timeout)',
        `${hung.view.finals.length}: ${hung.text}`,
        hung.view.finals.length === 1 && hung.text.includes('timeout'),
      );

      // 2. Crashes: right after its first line, and killed by SIGSEGV in the middle of its stream.
      const crash = newMention({ tag: 'c', text: '[[exit:3]]' });
      await send(url, crash.envelope);
      const crashed = await outcome(stack.slack, crash);
      say(`sent "[[exit:3]]" (exit 3 after the init line): ${crashed.text}`);
      check(
        'a crash is one clear failure line',
        '1 line naming the failure',
        `${crashed.view.finals.length}: ${crashed.text}`,
        crashed.view.finals.length === 1 && /\(\w+\)/.test(crashed.text),
      );
      const segv = newMention({ tag: 'c', text: '[[sleep:6000]]' });
      await send(url, segv.envelope);
      const victim = await waitFor(() => records(recordDir).find((r) => r.stdin?.includes(`mention-id=${segv.id}`)), {
        timeoutMs: 20_000,
        message: 'the CLI to kill',
      });
      await sleep(1_500);
      process.kill(victim.pid, 'SIGSEGV');
      const segved = await outcome(stack.slack, segv);
      say(`sent "[[sleep:6000]]" and SIGSEGV'd the CLI mid-stream: ${segved.text}`);
      check(
        'a CLI killed mid-stream is one clear failure line',
        '1 line naming the failure',
        `${segved.view.finals.length}: ${segved.text}`,
        segved.view.finals.length === 1 && /\(\w+\)/.test(segved.text),
      );

      // 3. Floods 200 MB of answer text.
      const before = procStats(worker.pid).rssMb;
      const flood = newMention({ tag: 'c', text: '[[flood:text:200]]' });
      await send(url, flood.envelope);
      let peak = before;
      await waitFor(
        () => {
          const stats = procStats(worker.pid);
          if (stats) peak = Math.max(peak, stats.rssMb);
          return threadViews(stack.slack, [flood])[0].finals.length > 0 || !worker.alive;
        },
        { timeoutMs: 180_000, intervalMs: 100, message: 'the flood to end' },
      ).catch(() => undefined);
      const flooded = await outcome(stack.slack, flood, 5_000);
      const uploads = stack.slack.files().reduce((sum, file) => sum + file.size, 0);
      say(
        `sent "[[flood:text:200]]": worker RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MB; posted: ${flooded.text}; uploaded ${(uploads / 1e6).toFixed(0)} MB of files`,
      );
      check(
        'worker memory under a 200 MB flood',
        'growth <= 20 MB',
        `+${(peak - before).toFixed(0)} MB${worker.alive ? '' : ', the worker died'}`,
        peak - before <= 20 && worker.alive,
      );
      check(
        'the flood ends in one clear line',
        '1 short line naming the failure',
        `${flooded.view.finals.length}: ${flooded.text}`,
        flooded.view.finals.length === 1 && /\(\w+\)/.test(flooded.text) && uploads === 0,
      );
    } finally {
      await stack.stop();
    }
  },
};
