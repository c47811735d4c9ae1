#!/usr/bin/env node
// A local try-out: the fake Slack Web API, the service with examples/local.env and the fake Claude
// CLI, and one signed mention. Needs a Redis on 127.0.0.1:6379 and a build (npm run demo builds).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const children = [];
const run = (args, prefix) => {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const print = (chunk) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, prefix));
  child.stdout.on('data', print);
  child.stderr.on('data', print);
  return child;
};
const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

run(
  [
    '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
    'test/fakes/fake-slack-server.ts',
    '--port',
    '4010',
    '--bot',
    'xoxb-local-demo-token:U0DEMOBOT01:B0DEMOBOT01:T0DEMO0001:A0DEMO00001',
  ],
  '[slack] ',
);
await sleep(500);
const service = run(['--env-file=examples/local.env', 'dist/main.js'], '[orchestrator] ');
service.once('exit', (code) => {
  console.log(`the service exited with ${code}`);
  stop();
});

for (let i = 0; i < 100; i++) {
  const ready = await fetch('http://127.0.0.1:3000/health/ready').then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  await sleep(200);
}
console.log('\nready: sending a signed mention; the fake Slack prints the answer posted in the thread\n');
run(['--env-file=examples/local.env', 'scripts/send-mention.mjs', 'what does this repository do?'], '[mention] ');
console.log('more: node --env-file=examples/local.env scripts/send-mention.mjs "your question"   (Ctrl-C stops)\n');
