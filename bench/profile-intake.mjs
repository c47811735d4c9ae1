#!/usr/bin/env node
// `node bench/profile-intake.mjs [seconds]`: where the api's CPU goes under webhook load. Starts the
// orchestrator (PROCESS_ROLE=api, production logging) with --cpu-prof, loads it closed loop like the
// intake benchmark, and sorts the profile's busy samples by what is on their stack (first match in
// the order below). More environment for the service: BENCH_SERVICE_ENV='{"LOG_LEVEL":"warn"}'.
// Prints, asserts nothing. Uses Redis database 10 (emptied).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedLoop, requestPool } from './load.mjs';
import {
  REDIS_DBS,
  flushDb,
  freePort,
  mentionEnvelope,
  pinSelf,
  runAlone,
  scratch,
  serviceEnv,
  signedRequest,
  startFakeSlack,
  startService,
} from './lib/harness.mjs';

const CATEGORIES = [
  [
    'logging (pino, pino-http, redaction, secret scrubber, writes)',
    /node_modules\/(pino|pino-http|@pinojs|nestjs-pino|sonic-boom|pino-std-serializers)\/|logging\/secret-scrubber|internal\/fs\/sync_write_stream/,
  ],
  ['metrics (prom-client, HTTP metrics middleware)', /node_modules\/prom-client\/|metrics\/http-metrics/],
  ['Redis client (ioredis, BullMQ Queue.add)', /node_modules\/(ioredis|bullmq|msgpackr|@ioredis)\//],
  ['signature check (HMAC)', /webhooks\/slack-signature|internal\/crypto/],
  [
    'body read, JSON parse, routing (ours)',
    /webhooks\/(envelope-parser|event-router|raw-body)|node_modules\/(raw-body|body-parser)\//,
  ],
  [
    'framework (Nest, Express, router)',
    /node_modules\/(@nestjs|express|router|rxjs|path-to-regexp|finalhandler|send|on-finished)\//,
  ],
  ['HTTP server (node:http, sockets, streams)', /node:_http|node:net|internal\/streams|stream_base_commons/],
];

export function breakdown(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(profile.samples[i]);
    if (leaf.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const urls = [];
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) urls.push(byId.get(id).callFrame.url);
    let category = leaf.callFrame.functionName === '(garbage collector)' ? 'garbage collection' : 'other';
    if (category === 'other') {
      category = CATEGORIES.find(([, pattern]) => urls.some((url) => pattern.test(url)))?.[0] ?? 'other';
    }
    totals.set(category, (totals.get(category) ?? 0) + dt);
  }
  return { busyMs: busy / 1000, shares: [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / busy]) };
}

await runAlone('profile-intake');
pinSelf(0);
const seconds = Number(process.argv[2] ?? 10);
const DB = REDIS_DBS.intake;
await flushDb(DB);
const slack = await startFakeSlack();
const dir = scratch('orch-profile-');
const profileDir = join(dir, 'profile');
const env = serviceEnv({
  dir,
  port: await freePort(),
  slackUrl: slack.url,
  redisUrl: `redis://127.0.0.1:6379/${DB}`,
  role: 'api',
});
const service = await startService({ dir, env, cpu: 1, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
let n = 0;
const make = () => {
  n += 1;
  return signedRequest(mentionEnvelope({ eventId: `EvProf${n}`, user: `U0PROF${n % 200}` }));
};
await closedLoop({ url: service.webhookUrl, take: requestPool(make, 3000), seconds: 3 });
const load = await closedLoop({ url: service.webhookUrl, take: requestPool(make, seconds * 8000), seconds });
await service.stop('SIGTERM', 20_000);
await slack.stop();
await flushDb(DB);
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
const { busyMs, shares } = breakdown(JSON.parse(readFileSync(join(profileDir, file), 'utf8')));
console.log(
  `${load.requests} requests in ${seconds} s (${load.reqPerSec.toFixed(0)} req/s, plus 3 s of warm-up); profile ${join(profileDir, file)}`,
);
console.log(`busy ${(busyMs / 1000).toFixed(1)} s in all (start-up and warm-up included); by what is on the stack:`);
for (const [category, share] of shares) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${category}`);
process.exit(0);
