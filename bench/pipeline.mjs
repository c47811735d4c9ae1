// Benchmark 2, pipeline overhead: mentions answered end to end by a CLI stand-in that answers at once
// (bench/cli/claude-instant), against the fake Slack in this process. For each mention:
//   ack -> 👀        from the webhook's 200 to the worker's first Slack call (reactions.add eyes)
//   CLI exit -> answer  from the stand-in printing its result to the answer reaching Slack
//   pick-up          from Queue.add to the worker starting the job (the worker's waitMs)
// at a fixed 50 mentions/s, then answered mentions per second for a burst, WORKER_CONCURRENCY=16.
// Baseline, in the same rounds: the orchestrator's api with a hand-written BullMQ worker doing only
// the Slack calls (bench/servers/minimal-worker.mjs). Services on core 1, this process on core 0.
import { join } from 'node:path';
import {
  INSTANT_CLAUDE,
  REDIS_DBS,
  ROOT,
  flushDb,
  fmt,
  freePort,
  logLines,
  median,
  mentionEnvelope,
  percentile,
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
const DB = REDIS_DBS.pipeline;
const REDIS_URL = `redis://127.0.0.1:6379/${DB}`;
const CHANNELS = Array.from({ length: 40 }, (_, i) => `C0PIPE${String(i).padStart(5, '0')}`);

/** What the fake Slack saw, per mention id. */
class Tracker {
  constructor() {
    this.mentions = new Map();
    this.byTs = new Map();
  }

  onCall(call) {
    if (call.status !== 200 || call.error) return;
    if (call.method === 'reactions.add' && call.args.name === 'eyes') {
      const mention = this.byTs.get(String(call.args.timestamp));
      if (mention && mention.eyesAt === undefined) mention.eyesAt = call.at;
    }
    if (call.method === 'chat.update' && typeof call.args.markdown_text === 'string') {
      const match = /mention-id=(\w+) cli-exit-at=(\d+\.\d+)/.exec(call.args.markdown_text);
      const mention = match && this.mentions.get(match[1]);
      if (mention && mention.answeredAt === undefined) {
        mention.exitAt = Number(match[2]) * 1000;
        mention.answeredAt = call.at;
      }
    }
  }

  add(id, ts) {
    const mention = { id, ts };
    this.mentions.set(id, mention);
    this.byTs.set(ts, mention);
    return mention;
  }

  answered(ids) {
    return ids.filter((id) => this.mentions.get(id)?.answeredAt !== undefined).length;
  }
}

let counter = 0;
async function send(tracker, url, tag) {
  counter += 1;
  const id = `${tag}${counter}`;
  const envelope = mentionEnvelope({
    eventId: `EvPipe${id}`,
    user: `U0PIPE${String(counter % 50).padStart(4, '0')}`,
    channel: CHANNELS[counter % CHANNELS.length],
    text: `please answer mention-id=${id} now`,
  });
  const mention = tracker.add(id, envelope.event.ts);
  mention.sentAt = Date.now();
  const response = await postWebhook(url, signedRequest(envelope));
  mention.ackAt = Date.now();
  mention.status = response.status;
  return id;
}

async function startStack(kind, dir, slackUrl) {
  const env = (role) =>
    serviceEnv({
      dir,
      port: 0,
      slackUrl,
      redisUrl: REDIS_URL,
      role,
      claudeBin: INSTANT_CLAUDE,
      extra: { WORKER_CONCURRENCY: '16' },
    });
  const api = await startService({
    name: `${kind}-api`,
    dir,
    env: { ...env('api'), PORT: String(await freePort()) },
    cpu: SERVER_CPU,
  });
  let worker;
  if (kind === 'orchestrator') {
    worker = await startService({
      name: `${kind}-worker`,
      dir,
      env: { ...env('worker'), PORT: String(await freePort()) },
      cpu: SERVER_CPU,
    });
  } else {
    worker = startProcess({
      script: join(ROOT, 'bench', 'servers', 'minimal-worker.mjs'),
      env: { ...env('worker'), PORT: '0' },
      cpu: SERVER_CPU,
      logFile: join(dir, 'logs', `${kind}-worker.log`),
    });
  }
  return { api, worker };
}

function pickUps(logFile, ids) {
  const wanted = new Set(ids);
  return logLines(logFile)
    .filter((line) => line.msg === 'job finished' && typeof line.waitMs === 'number')
    .filter((line) => line.eventId === undefined || wanted.has(line.eventId.replace(/^EvPipe/, '')))
    .map((line) => line.waitMs);
}

async function measure(kind, dir, slack, tracker, timing) {
  await flushDb(DB);
  slack.reset();
  const { api, worker } = await startStack(kind, dir, slack.url);
  try {
    // Warm-up: connections, the JIT, the CLI's page cache.
    const warm = [];
    for (let i = 0; i < 30; i++) warm.push(await send(tracker, api.webhookUrl, 'w'));
    await waitFor(() => tracker.answered(warm) === warm.length, { timeoutMs: 30_000, message: 'warm-up answers' });

    // Fixed rate: 50 mentions a second.
    const cpuBefore = procStats(worker.pid)?.cpuMs ?? NaN;
    const steady = [];
    const inFlight = [];
    const count = Math.round(timing.rate * timing.steadySeconds);
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / timing.rate;
      await sleep(Math.max(0, due - Date.now()));
      inFlight.push(send(tracker, api.webhookUrl, 's').then((id) => steady.push(id)));
    }
    await Promise.all(inFlight);
    await waitFor(() => tracker.answered(steady) === steady.length, {
      timeoutMs: 60_000,
      message: 'the fixed-rate mentions to be answered',
    }).catch(() => undefined);
    const workerCpuMsPerJob = ((procStats(worker.pid)?.cpuMs ?? NaN) - cpuBefore) / steady.length;
    const mentions = steady.map((id) => tracker.mentions.get(id));
    const eyes = mentions.filter((m) => m.eyesAt !== undefined).map((m) => m.eyesAt - m.ackAt);
    const answer = mentions.filter((m) => m.answeredAt !== undefined).map((m) => m.answeredAt - m.exitAt);
    const waits = pickUps(worker.logFile, steady);

    // Burst: as many as the api takes with 16 senders; answered per second from first send to last answer.
    const burst = [];
    const burstStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < timing.burst) {
          next += 1;
          burst.push(await send(tracker, api.webhookUrl, 'b'));
        }
      }),
    );
    await waitFor(() => tracker.answered(burst) === burst.length, {
      timeoutMs: 120_000,
      message: 'the burst to be answered',
    }).catch(() => undefined);
    const lastAnswer = Math.max(...burst.map((id) => tracker.mentions.get(id).answeredAt ?? 0));
    return {
      sent: steady.length,
      answered: answer.length,
      eyesP50: percentile(eyes, 50),
      eyesP99: percentile(eyes, 99),
      answerP50: percentile(answer, 50),
      answerP99: percentile(answer, 99),
      pickupP50: percentile(waits, 50),
      pickupP99: percentile(waits, 99),
      pickups: waits.length,
      workerCpuMsPerJob,
      burst: burst.length,
      burstAnswered: tracker.answered(burst),
      perSecond: tracker.answered(burst) / ((lastAnswer - burstStart) / 1000),
    };
  } finally {
    await Promise.all([api.stop('SIGTERM', 15_000), worker.stop('SIGTERM', 15_000)]);
  }
}

export async function runPipeline({ smoke = false, rounds = smoke ? 1 : 3 } = {}) {
  const timing = smoke ? { rate: 50, steadySeconds: 2, burst: 100 } : { rate: 50, steadySeconds: 20, burst: 1000 };
  const tracker = new Tracker();
  const slack = await startFakeSlack({ onCall: (call) => tracker.onCall(call) });
  const dir = scratch('orch-pipeline-');
  const kinds = ['baseline', 'orchestrator'];
  const results = { baseline: [], orchestrator: [] };
  console.log(
    `\npipeline: ${rounds} round(s) of ${kinds.join(' ')}; ${timing.rate} mentions/s for ${timing.steadySeconds} s, ` +
      `then a burst of ${timing.burst}; WORKER_CONCURRENCY=16; logs in ${dir}/logs`,
  );
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds) {
        const result = await measure(kind, dir, slack, tracker, timing);
        results[kind].push(result);
        console.log(
          `  round ${round} ${kind}: answered ${result.answered}/${result.sent}; ack->eyes p50/p99 ${fmt(result.eyesP50)}/${fmt(result.eyesP99)} ms; ` +
            `exit->answer p50/p99 ${fmt(result.answerP50)}/${fmt(result.answerP99)} ms; pick-up p50/p99 ${fmt(result.pickupP50)}/${fmt(result.pickupP99)} ms ` +
            `(${result.pickups} jobs); worker CPU ${fmt(result.workerCpuMsPerJob, 2)} ms/job; burst ${result.burstAnswered}/${result.burst} at ${fmt(result.perSecond)}/s`,
        );
      }
    }
  } finally {
    await slack.stop();
    await flushDb(DB);
  }
  const med = (kind, field) => median(results[kind].map((result) => result[field]));
  const ratio = (field) => median(results.orchestrator.map((result, i) => result[field] / results.baseline[i][field]));
  const fields = [
    ['ack -> eyes p50 (ms)', 'eyesP50'],
    ['ack -> eyes p99 (ms)', 'eyesP99'],
    ['CLI exit -> answer p50 (ms)', 'answerP50'],
    ['CLI exit -> answer p99 (ms)', 'answerP99'],
    ['pick-up p50 (ms)', 'pickupP50'],
    ['pick-up p99 (ms)', 'pickupP99'],
    ['worker CPU per job at 50/s (ms)', 'workerCpuMsPerJob'],
    ['answered mentions/s (burst)', 'perSecond'],
  ];
  const rows = [
    ['figure', 'baseline worker', 'orchestrator', 'orchestrator / baseline'],
    ...fields.map(([label, field]) => [
      label,
      fmt(med('baseline', field)),
      fmt(med('orchestrator', field)),
      fmt(ratio(field), 2),
    ]),
  ];
  console.log(`\npipeline, medians:\n${table(rows)}`);
  console.log(
    `targets (orchestrator): ack->eyes p50 ${fmt(med('orchestrator', 'eyesP50'))} ms (<= 20), p99 ${fmt(med('orchestrator', 'eyesP99'))} ms (<= 100); ` +
      `exit->answer p50 ${fmt(med('orchestrator', 'answerP50'))} ms (<= 20), p99 ${fmt(med('orchestrator', 'answerP99'))} ms (<= 100); ` +
      `pick-up p99 ${fmt(med('orchestrator', 'pickupP99'))} ms (<= 10)`,
  );
  return {
    results,
    medians: Object.fromEntries(
      kinds.map((kind) => [kind, Object.fromEntries(fields.map(([, f]) => [f, med(kind, f)]))]),
    ),
  };
}
