// Benchmark 3, memory: RSS of an idle `api` and an idle `worker` after start-up (against a bare Node
// HTTP server, the floor), and the worker's RSS while a CLI stand-in (bench/cli/claude-flood) streams
// 200 MB of output: as text blocks (what an answer is made of), as tool calls with big results (a busy
// agent), and as one 200 MB line. Growth is the peak RSS during the job less the RSS just before it.
import { join } from 'node:path';
import {
  FLOOD_CLAUDE,
  REDIS_DBS,
  ROOT,
  flushDb,
  fmt,
  freePort,
  median,
  mentionEnvelope,
  postWebhook,
  procStats,
  scratch,
  serviceEnv,
  signedRequest,
  sleep,
  startFakeSlack,
  startProcess,
  startService,
  table,
  waitFor,
} from './lib/harness.mjs';

const SERVER_CPU = 1;
const DB = REDIS_DBS.memory;
const REDIS_URL = `redis://127.0.0.1:6379/${DB}`;
const SETTLE_MS = 3_000;

async function idleRss(dir, slackUrl) {
  const bare = startProcess({
    script: join(ROOT, 'bench', 'servers', 'bare-http.mjs'),
    env: { PATH: process.env.PATH, PORT: String(await freePort()), SLACK_SIGNING_SECRET: 'x' },
    cpu: SERVER_CPU,
    logFile: join(dir, 'logs', 'bare.log'),
  });
  const services = {};
  for (const role of ['api', 'worker']) {
    const env = serviceEnv({
      dir,
      port: await freePort(),
      slackUrl,
      redisUrl: REDIS_URL,
      role,
      claudeBin: FLOOD_CLAUDE,
    });
    services[role] = await startService({ name: `idle-${role}`, dir, env, cpu: SERVER_CPU });
  }
  await sleep(SETTLE_MS);
  const figures = {
    bare: procStats(bare.pid)?.rssMb,
    api: procStats(services.api.pid)?.rssMb,
    worker: procStats(services.worker.pid)?.rssMb,
  };
  await Promise.all([bare.stop(), services.api.stop(), services.worker.stop()]);
  return figures;
}

async function flood(kind, megabytes, dir, slack) {
  await flushDb(DB);
  slack.reset();
  const common = { dir, slackUrl: slack.url, redisUrl: REDIS_URL, claudeBin: FLOOD_CLAUDE };
  const api = await startService({
    name: `flood-api`,
    dir,
    env: serviceEnv({ ...common, port: await freePort(), role: 'api' }),
    cpu: SERVER_CPU,
  });
  const worker = await startService({
    name: `flood-worker-${kind}`,
    dir,
    env: serviceEnv({ ...common, port: await freePort(), role: 'worker', extra: { JOB_TIMEOUT_SECONDS: '120' } }),
    cpu: SERVER_CPU,
  });
  try {
    await sleep(SETTLE_MS);
    const before = procStats(worker.pid).rssMb;
    const envelope = mentionEnvelope({ text: `flood please [[flood:${kind}:${megabytes}]]` });
    const threadTs = envelope.event.ts;
    await postWebhook(api.webhookUrl, signedRequest(envelope));
    let peak = before;
    const started = Date.now();
    // The job is over when 👀 gives way to ✅ or ❌.
    const ended = () =>
      slack.calls('reactions.add').some((call) => call.args.timestamp === threadTs && call.args.name !== 'eyes');
    await waitFor(
      () => {
        const stats = procStats(worker.pid);
        if (stats) peak = Math.max(peak, stats.rssMb);
        return ended() || !worker.alive;
      },
      { timeoutMs: 180_000, intervalMs: 100, message: `the ${kind} flood job to end` },
    ).catch(() => undefined);
    const final = slack
      .calls()
      .filter((call) => call.method === 'chat.update' || call.method === 'chat.postMessage')
      .map((call) => String(call.args.markdown_text ?? call.args.text ?? ''))
      .pop();
    return {
      kind,
      megabytes,
      before,
      peak,
      growth: peak - before,
      seconds: (Date.now() - started) / 1000,
      alive: worker.alive,
      outcome: (final ?? '(nothing posted)').replace(/\s+/g, ' ').slice(0, 100),
    };
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}

export async function runMemory({ smoke = false, rounds = smoke ? 1 : 3 } = {}) {
  const slack = await startFakeSlack();
  const dir = scratch('orch-memory-');
  const megabytes = smoke ? 20 : 200;
  const kinds = smoke ? ['text'] : ['text', 'tools', 'oneline'];
  console.log(
    `\nmemory: ${rounds} round(s); idle RSS, then ${megabytes} MB floods (${kinds.join(', ')}); logs in ${dir}/logs`,
  );
  const idle = [];
  const floods = Object.fromEntries(kinds.map((kind) => [kind, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      await flushDb(DB);
      const figures = await idleRss(dir, slack.url);
      idle.push(figures);
      console.log(
        `  round ${round} idle RSS: bare node:http ${fmt(figures.bare, 0)} MB, api ${fmt(figures.api, 0)} MB, worker ${fmt(figures.worker, 0)} MB`,
      );
      for (const kind of kinds) {
        const result = await flood(kind, megabytes, dir, slack);
        floods[kind].push(result);
        console.log(
          `  round ${round} flood ${kind} ${megabytes} MB: worker RSS ${fmt(result.before, 0)} -> peak ${fmt(result.peak, 0)} MB ` +
            `(+${fmt(result.growth, 0)} MB) in ${fmt(result.seconds)} s; worker ${result.alive ? 'alive' : 'DEAD'}; posted: ${result.outcome}`,
        );
      }
    }
  } finally {
    await slack.stop();
    await flushDb(DB);
  }
  const med = (list, field) => median(list.map((item) => item[field]));
  const rows = [
    ['figure', 'MB', 'vs bare node:http'],
    ['bare node:http idle RSS', fmt(med(idle, 'bare'), 0), '1.00'],
    ['api idle RSS', fmt(med(idle, 'api'), 0), fmt(median(idle.map((i) => i.api / i.bare)), 2)],
    ['worker idle RSS', fmt(med(idle, 'worker'), 0), fmt(median(idle.map((i) => i.worker / i.bare)), 2)],
    ...kinds.map((kind) => [`worker growth, ${megabytes} MB ${kind} flood`, fmt(med(floods[kind], 'growth'), 0), '']),
  ];
  console.log(`\nmemory, medians:\n${table(rows)}`);
  console.log(
    `targets: idle api ${fmt(med(idle, 'api'), 0)} MB (<= 120); worker growth under the flood ${kinds
      .map((kind) => `${kind} +${fmt(med(floods[kind], 'growth'), 0)} MB`)
      .join(', ')} (<= 20)`,
  );
  return {
    idle: { bare: med(idle, 'bare'), api: med(idle, 'api'), worker: med(idle, 'worker') },
    floods: Object.fromEntries(
      kinds.map((kind) => [kind, { growth: med(floods[kind], 'growth'), outcome: floods[kind].at(-1)?.outcome }]),
    ),
  };
}
