#!/usr/bin/env node
// `node bench/redis-trace.mjs`: the Redis commands one answered mention costs, per process (api and
// worker) and per connection, read with MONITOR while exactly one mention goes through. A tool for
// finding round trips to remove; it prints, it asserts nothing. Uses Redis database 11 (emptied).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  INSTANT_CLAUDE,
  REDIS_DBS,
  flushDb,
  freePort,
  mentionEnvelope,
  postWebhook,
  redisClient,
  runAlone,
  scratch,
  serviceEnv,
  signedRequest,
  sleep,
  startFakeSlack,
  startService,
  waitFor,
} from './lib/harness.mjs';

await runAlone('redis-trace');
const DB = REDIS_DBS.pipeline;
const redisUrl = `redis://127.0.0.1:6379/${DB}`;
await flushDb(DB);
const slack = await startFakeSlack();
const dir = scratch('orch-trace-');
const start = async (role) =>
  startService({
    name: `trace-${role}`,
    dir,
    env: serviceEnv({
      dir,
      port: await freePort(),
      slackUrl: slack.url,
      redisUrl,
      role,
      claudeBin: INSTANT_CLAUDE,
      extra: { APP_NAME: `trace-${role}` },
    }),
  });
const api = await start('api');
const worker = await start('worker');

// Which connection is whose: the service names each (`<APP_NAME>-commands`, `-queue`, ...).
const admin = await redisClient(DB);
const names = new Map();
for (const line of String(await admin.client('LIST')).split('\n')) {
  const addr = /addr=([\d.:]+)/.exec(line)?.[1];
  const name = /name=(\S*)/.exec(line)?.[1];
  if (addr) names.set(addr, name || '(unnamed)');
}
await sleep(1_500);

const monitor = spawn('redis-cli', ['-n', String(DB), 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
const seen = [];
createInterface({ input: monitor.stdout }).on('line', (line) => {
  const match = /^[\d.]+ \[(\d+) ([^\]]+)\] "(\w+)"/.exec(line);
  if (match && Number(match[1]) === DB) seen.push({ addr: match[2], command: match[3].toUpperCase() });
});
await sleep(500);
const idleFrom = seen.length;
await sleep(2_000);
const idle = seen.slice(idleFrom);
const markFrom = seen.length;
const envelope = mentionEnvelope({ text: 'trace this mention-id=trace1' });
const sentAt = Date.now();
const answer = await postWebhook(api.webhookUrl, signedRequest(envelope));
await waitFor(() => slack.calls('reactions.add').some((call) => call.args.name === 'white_check_mark'), {
  timeoutMs: 15_000,
  message: 'the answer',
});
await sleep(300);
const during = seen.slice(markFrom);
monitor.kill();

function tally(entries) {
  const byName = new Map();
  for (const { addr, command } of entries) {
    const name = addr === 'lua' ? '(inside Lua scripts)' : (names.get(addr) ?? addr);
    const commands = byName.get(name) ?? new Map();
    commands.set(command, (commands.get(command) ?? 0) + 1);
    byName.set(name, commands);
  }
  return [...byName].map(
    ([name, commands]) =>
      `  ${name}: ${[...commands.values()].reduce((a, b) => a + b, 0)} — ${[...commands]
        .sort((a, b) => b[1] - a[1])
        .map(([command, count]) => `${command} ${count}`)
        .join(', ')}`,
  );
}

const perSecond = (idle.length / 2).toFixed(1);
console.log(
  `webhook answered ${answer.status} in ${answer.ms.toFixed(1)} ms; answered in Slack ${Date.now() - sentAt} ms later`,
);
console.log(`idle background: ${perSecond} commands/s\n${tally(idle).join('\n')}`);
console.log(`one mention, from the webhook to the ✅ (${during.length} commands, idle background included):`);
console.log(tally(during).join('\n'));
await admin.quit();
await Promise.all([api.stop(), worker.stop()]);
await slack.stop();
await flushDb(DB);
process.exit(0);
