// Benchmark 1, webhook intake: unique, validly signed ~1.5 KB mentions against
//   (a) bare      node:http, verify the signature, 200            the ceiling for Node here
//   (b) minimal   node:http doing our work in two Redis round trips the limit for this work
//   (c) bolt      Slack Bolt, HTTP receiver, processBeforeResponse  what a user would pick instead
//   (d) orch      the orchestrator, PROCESS_ROLE=api, production logging
//   (e) nest      NestJS + Express doing (b)'s work, no logs      the floor of the orchestrator's stack
// (and any --variant builds of the orchestrator, for an A/B of a patch). Closed loop (autocannon,
// 50 connections) for throughput, open loop at a fixed rate for latency; servers on one core, this
// client on the other; rounds alternate the servers (a b c d a b c d ...), figures are medians.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { closedLoop, openLoop, requestPool } from './load.mjs';
import {
  REDIS_DBS,
  benchIdentity,
  flushDb,
  fmt,
  freePort,
  jobCounts,
  median,
  mentionEnvelope,
  procStats,
  redisClient,
  redisCpuMs,
  scratch,
  serviceEnv,
  signedRequest,
  sleep,
  startFakeSlack,
  startProcess,
  startService,
  table,
  waitFor,
  ROOT,
} from './lib/harness.mjs';

const SERVER_CPU = 1;
const DB = REDIS_DBS.intake;
const REDIS_URL = `redis://127.0.0.1:6379/${DB}`;
const USERS = Array.from({ length: 200 }, (_, i) => `U0USR${String(i).padStart(5, '0')}`);

function subjects(variants) {
  const script = (name) => join(ROOT, 'bench', 'servers', name);
  return [
    { key: 'a', label: '(a) bare node:http', script: script('bare-http.mjs'), path: '/' },
    { key: 'b', label: '(b) minimal node:http', script: script('minimal-intake.mjs'), path: '/' },
    { key: 'c', label: '(c) Slack Bolt', script: script('bolt-intake.mjs'), path: '/slack/events' },
    { key: 'd', label: '(d) orchestrator api', main: undefined, path: '/webhooks/slack' },
    { key: 'e', label: '(e) NestJS floor', script: script('nest-floor.mjs'), path: '/webhooks/slack' },
    ...variants.map(({ name, main, env }) => ({
      key: name,
      label: `(${name}) orchestrator ${[main, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' ')}`,
      main,
      env,
      path: '/webhooks/slack',
    })),
  ];
}

let sequence = 0;
function makeRequest(runId) {
  sequence += 1;
  const envelope = mentionEnvelope({
    eventId: `Ev${runId}${sequence.toString(36).toUpperCase()}`,
    ts: `${Math.floor(Date.now() / 1000)}.${String(sequence % 1_000_000).padStart(6, '0')}`,
    user: USERS[sequence % USERS.length],
    channel: `C0BENCH${String(sequence % 7).padStart(4, '0')}`,
  });
  return signedRequest(envelope);
}

async function startSubject(subject, dir, slackUrl) {
  const port = await freePort();
  const env = serviceEnv({ dir, port, slackUrl, redisUrl: REDIS_URL, role: 'api', extra: subject.env ?? {} });
  if (subject.script) {
    const proc = startProcess({
      script: subject.script,
      env: { ...env, BENCH_BOT_IDENTITY: JSON.stringify(benchIdentity()) },
      cpu: SERVER_CPU,
      logFile: join(dir, 'logs', `${subject.key}.log`),
    });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 30_000, message: `${subject.label} to listen` },
    );
    return { ...proc, url: `http://127.0.0.1:${port}${subject.path}` };
  }
  const previous = process.env.ORCH_MAIN;
  if (subject.main) process.env.ORCH_MAIN = subject.main;
  try {
    const service = await startService({ name: subject.key, dir, env, cpu: SERVER_CPU });
    return { ...service, url: `${service.url}${subject.path}` };
  } finally {
    if (subject.main) {
      if (previous === undefined) delete process.env.ORCH_MAIN;
      else process.env.ORCH_MAIN = previous;
    }
  }
}

async function measure(subject, dir, slackUrl, timing, redis) {
  await flushDb(DB);
  const server = await startSubject(subject, dir, slackUrl);
  const runId = randomUUID().slice(0, 6).toUpperCase();
  const make = () => makeRequest(runId);
  try {
    // Warm-up: the JIT, the connection pools, Redis' script cache.
    const warm = await closedLoop({ url: server.url, take: requestPool(make, 2000), seconds: timing.warmup });
    const idle = procStats(server.pid);
    const pool = requestPool(make, timing.closed * 12_000);
    const before = procStats(server.pid);
    const redisBefore = await redisCpuMs(redis);
    const closed = await closedLoop({ url: server.url, take: pool, seconds: timing.closed });
    const after = procStats(server.pid);
    const redisAfter = await redisCpuMs(redis);
    const open = await openLoop({ url: server.url, take: make, rate: timing.rate, seconds: timing.open });
    const kept = subject.key === 'a' ? undefined : await jobCount();
    const ok = (warm.statuses[200] ?? 0) + (closed.statuses[200] ?? 0) + (open.statuses[200] ?? 0);
    return {
      reqPerSec: closed.reqPerSec,
      closedP50: closed.p50,
      closedP99: closed.p99,
      openP50: open.p50,
      openP99: open.p99,
      openMax: open.max,
      cpuMsPerReq: (after.cpuMs - before.cpuMs) / closed.requests,
      redisCpuMsPerReq: (redisAfter - redisBefore) / closed.requests,
      rssMb: after.rssMb,
      idleRssMb: idle.rssMb,
      non200: closed.requests - (closed.statuses[200] ?? 0) + open.requests - (open.statuses[200] ?? 0) + closed.errors,
      // Every 200 of (b), (c) and (d) must be a job in Redis (warm-up included).
      jobsKept: kept,
      ok,
    };
  } finally {
    await server.stop('SIGTERM', 10_000);
  }
}

/** Jobs not yet finished (no worker runs in this benchmark): every 200 of (b) to (e) must be one. */
async function jobCount() {
  const counts = await jobCounts(REDIS_URL, ['wait', 'paused', 'active', 'prioritized']);
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

export async function runIntake({ smoke = false, rounds = smoke ? 1 : 3, variants = [], only } = {}) {
  const timing = smoke ? { warmup: 1, closed: 1, open: 1, rate: 500 } : { warmup: 3, closed: 10, open: 10, rate: 500 };
  const slack = await startFakeSlack();
  const redis = await redisClient(DB);
  const dir = scratch('orch-intake-');
  const list = subjects(variants).filter((subject) => !only || only.includes(subject.key));
  const results = Object.fromEntries(list.map((subject) => [subject.key, []]));
  console.log(
    `intake: ${rounds} round(s) of ${list.map((s) => s.key).join(' ')}; closed loop ${timing.closed} s x 50 connections, ` +
      `open loop ${timing.rate} req/s x ${timing.open} s; servers on core ${SERVER_CPU}, client on core 0; logs in ${dir}/logs`,
  );
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const subject of list) {
        const result = await measure(subject, dir, slack.url, timing, redis);
        results[subject.key].push(result);
        console.log(
          `  round ${round} ${subject.key}: ${fmt(result.reqPerSec, 0)} req/s, closed p50/p99 ${fmt(result.closedP50)}/${fmt(result.closedP99)} ms, ` +
            `open p50/p99 ${fmt(result.openP50)}/${fmt(result.openP99)} ms, ${fmt(result.cpuMsPerReq, 3)} CPU ms/req, ` +
            `redis ${fmt(result.redisCpuMsPerReq, 3)} ms/req, RSS ${fmt(result.rssMb, 0)} MB, non-200 ${result.non200}` +
            (result.jobsKept === undefined ? '' : `, ${result.jobsKept} jobs in Redis for ${result.ok} answers 200`),
        );
        await sleep(300);
      }
    }
  } finally {
    await redis.quit();
    await slack.stop();
    await flushDb(DB);
  }
  return summarize(list, results);
}

function summarize(list, results) {
  const med = (key, field) => median(results[key].map((result) => result[field]));
  const ratio = (top, bottom, field) =>
    median(results[top].map((result, i) => result[field] / (results[bottom]?.[i]?.[field] ?? NaN)));
  const rows = [
    [
      'server',
      'req/s',
      'closed p50',
      'closed p99',
      '500/s p50',
      '500/s p99',
      'CPU ms/req',
      'Redis CPU ms/req',
      'RSS MB',
    ],
    ...list.map((subject) => [
      subject.label,
      fmt(med(subject.key, 'reqPerSec'), 0),
      fmt(med(subject.key, 'closedP50')),
      fmt(med(subject.key, 'closedP99')),
      fmt(med(subject.key, 'openP50'), 2),
      fmt(med(subject.key, 'openP99'), 2),
      fmt(med(subject.key, 'cpuMsPerReq'), 3),
      fmt(med(subject.key, 'redisCpuMsPerReq'), 3),
      fmt(med(subject.key, 'rssMb'), 0),
    ]),
  ];
  console.log(`\nintake, medians:\n${table(rows)}`);
  const ratios = {};
  for (const top of list.filter((s) => !['a', 'b', 'c'].includes(s.key)).map((s) => s.key)) {
    for (const bottom of ['a', 'b', 'c'].filter((key) => results[key])) {
      ratios[`${top}/${bottom}`] = ratio(top, bottom, 'reqPerSec');
    }
    if (top !== 'd' && results.d) ratios[`${top}/d`] = ratio(top, 'd', 'reqPerSec');
    if (top !== 'e' && results.e) ratios[`${top}/e`] = ratio(top, 'e', 'reqPerSec');
  }
  console.log(
    `ratios of req/s (median of per-round ratios): ${Object.entries(ratios)
      .map(([name, value]) => `${name} ${fmt(value, 2)}`)
      .join(', ')}`,
  );
  const d = results.d ? { p99: med('d', 'openP99') } : undefined;
  if (d) {
    console.log(
      `targets: d/c ${fmt(ratios['d/c'], 2)} (>= 1.3), d/b ${fmt(ratios['d/b'], 2)} (>= 0.6), ` +
        `d p99 at 500 req/s ${fmt(d.p99, 2)} ms (<= 20)`,
    );
  }
  return {
    results,
    ratios,
    medians: Object.fromEntries(
      list.map((s) => [s.key, Object.fromEntries(Object.keys(results[s.key][0] ?? {}).map((f) => [f, med(s.key, f)]))]),
    ),
  };
}
