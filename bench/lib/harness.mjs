// Shared by the benchmarks (bench/) and the fault drills (test/faults/): start the service and its
// stand-ins as child processes, sign Slack requests, read a process's CPU and memory, small statistics.
// Slack's side is the tests' own (their factories, their fake Web API); the product's names, keys and
// classes come from its build (./product.mjs). Loopback only; every wait is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { nextTs } from '../../test/factories.ts';
import { computeSlackSignature, jobCounts } from './product.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FAKE_CLAUDE = join(ROOT, 'test', 'fakes', 'claude');
export const INSTANT_CLAUDE = join(ROOT, 'bench', 'cli', 'claude-instant');
export const FLOOD_CLAUDE = join(ROOT, 'bench', 'cli', 'claude-flood');
export const NODE_FLAGS = ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'];

/** The build under test: `dist/main.js` of this checkout unless ORCH_MAIN names another (an A/B patch). */
export function orchestratorMain() {
  return process.env.ORCH_MAIN ? resolve(process.env.ORCH_MAIN) : join(ROOT, 'dist', 'main.js');
}

/** One bot, one workspace: what every benchmark and drill talks as. */
export const BOT = {
  id: 'bench',
  appId: 'A0BENCH0001',
  team: 'T0BENCH0001',
  userId: 'U0BENCHBOT1',
  botId: 'B0BENCHBOT1',
  token: 'xoxb-bench-token-0001',
  signingSecret: 'bench-signing-secret-0001',
  channel: 'C0BENCH0001',
};

export function slackIdentity() {
  return { token: BOT.token, userId: BOT.userId, botId: BOT.botId, teamId: BOT.team, appId: BOT.appId };
}

/** Who the bot is, as the product learns it from Slack (`auth.test`) and routes events with it. */
export function benchIdentity() {
  return { userId: BOT.userId, botId: BOT.botId, teamId: BOT.team };
}

// --- Slack requests ------------------------------------------------------------------------------

export { computeSlackSignature as sign, jobCounts, nextTs };

const FILLER_WORDS = 'deploy rollback incident latency queue worker cache shard replica metrics'.split(' ');

/**
 * An `app_mention` envelope shaped like Slack's (authorizations, rich-text blocks, event_context), about
 * `bytes` long: by default ~1.5 KB, the size of a real mention with a sentence or two of text.
 */
export function mentionEnvelope({
  eventId = `Ev${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`,
  ts = nextTs(),
  threadTs,
  user = 'U0BENCHUSR1',
  text = 'what changed in the last deploy?',
  type = 'app_mention',
  channel = BOT.channel,
  bytes = 1500,
} = {}) {
  const event = {
    type,
    client_msg_id: randomUUID(),
    user,
    text: `<@${BOT.userId}> ${text}`,
    ts,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    team: BOT.team,
    blocks: [
      {
        type: 'rich_text',
        block_id: 'b1Xq7',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'user', user_id: BOT.userId },
              { type: 'text', text: ` ${text}` },
            ],
          },
        ],
      },
    ],
    channel,
    ...(type === 'message' ? { channel_type: 'channel' } : {}),
    event_ts: ts,
  };
  const envelope = {
    token: 'ZZvErIfIcAtIoNtOkEn123',
    team_id: BOT.team,
    context_team_id: BOT.team,
    context_enterprise_id: null,
    api_app_id: BOT.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: BOT.team, user_id: BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: type, tid: BOT.team, aid: BOT.appId, cid: channel })).toString('base64url')}`,
  };
  // Pad the prose (as a longer question would) up to the wanted size.
  const base = JSON.stringify(envelope).length;
  if (base < bytes) {
    let extra = '';
    for (let i = 0; extra.length < bytes - base - 2; i++) extra += ` ${FILLER_WORDS[i % FILLER_WORDS.length]}`;
    extra = extra.slice(0, Math.max(0, Math.floor((bytes - base) / 2) - 1));
    event.text += extra;
    event.blocks[0].elements[0].elements[1].text += extra;
  }
  return envelope;
}

/** Headers and body of a request signed the way Slack signs it, optionally as a retry. */
export function signedRequest(envelope, { secret = BOT.signingSecret, timestamp, retryNum, signature } = {}) {
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/json',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': signature ?? computeSlackSignature(secret, ts, body),
  };
  if (retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return { body, headers };
}

/** POSTs a signed request; resolves to {status, ms, text} and never rejects (status 0: no answer). */
export async function postWebhook(url, request, timeoutMs = 10_000) {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, text };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, text: String(error?.cause?.code ?? error?.name ?? error) };
  }
}

// --- processes -----------------------------------------------------------------------------------

const children = new Set();

function killAll() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Pins this process to one core, when taskset is there (the load generator keeps off the server's core). */
export function pinSelf(cpu) {
  if (hasTaskset) spawnSync('taskset', ['-cp', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Starts a Node script as a child, optionally pinned to a core, its output appended to `logFile`.
 * `stop()` sends SIGTERM (or the given signal) and waits up to `timeoutMs` for the exit, then SIGKILLs.
 */
export function startProcess({ script, args = [], env, cpu, logFile, nodeArgs = [] }) {
  const command = cpu !== undefined && hasTaskset ? 'taskset' : process.execPath;
  const argv = [...nodeArgs, ...NODE_FLAGS, script, ...args];
  const fullArgs = command === 'taskset' ? ['-c', String(cpu), process.execPath, ...argv] : argv;
  const out = openSync(logFile, 'a');
  const child = spawn(command, fullArgs, { env, stdio: ['ignore', out, out], cwd: ROOT });
  closeSync(out);
  children.add(child);
  const exited = new Promise((done) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    }),
  );
  return {
    pid: child.pid,
    child,
    exited,
    logFile,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const result = await Promise.race([exited, sleep(timeoutMs).then(() => undefined)]);
      if (result) return result;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** A scratch folder for one run: the bots file, the data folder, the logs. */
export function scratch(prefix = 'orch-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const sub of ['work', 'data', 'home', 'logs']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'work', 'README.md'), '# bench\n');
  return dir;
}

/** The service's environment: one bot, the fake Slack, a CLI stand-in, a Redis database of ours. */
export function serviceEnv({ dir, port, slackUrl, redisUrl, role = 'all', claudeBin = INSTANT_CLAUDE, extra = {} }) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
    PORT: String(port),
    APP_NAME: 'orchestrator',
    PROCESS_ROLE: role,
    REDIS_URL: redisUrl,
    SLACK_SIGNING_SECRET: BOT.signingSecret,
    SLACK_BOT_TOKEN: BOT.token,
    SLACK_API_URL: slackUrl,
    CLAUDE_BIN: claudeBin,
    CLAUDE_WORKING_DIRECTORY: join(dir, 'work'),
    DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'info',
    // Every message of a benchmark must be taken: the limit is set out of the way (the drills set their own).
    RATE_LIMIT_MAX_REQUESTS: '1000000',
    SHUTDOWN_GRACE_SECONDS: '10',
    ...extra,
    // BENCH_SERVICE_ENV='{"NODE_OPTIONS":"--max-semi-space-size=4"}': more for every service started.
    ...JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}'),
  };
}

/** Starts `node dist/main.js` and waits until /health/ready answers 200 (or `ready: false`: until it listens). */
export async function startService({
  name = 'orchestrator',
  dir,
  env,
  cpu,
  ready = true,
  timeoutMs = 30_000,
  nodeArgs = [],
}) {
  const logFile = join(dir, 'logs', `${name}.log`);
  const proc = startProcess({ script: orchestratorMain(), env, cpu, logFile, nodeArgs });
  const url = `http://127.0.0.1:${env.PORT}`;
  const path = ready ? '/health/ready' : '/health/live';
  await waitFor(
    async () => {
      if (!proc.alive) throw new Error(`${name} exited during start-up; see ${logFile}:\n${tail(logFile)}`);
      const status = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200;
    },
    { timeoutMs, message: `${name} to be ready` },
  );
  return {
    ...proc,
    // A spread copies a getter's value once: this one must go on telling.
    get alive() {
      return proc.alive;
    },
    name,
    url,
    webhookUrl: `${url}/webhooks/slack`,
  };
}

export function tail(file, lines = 15) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** The JSON log lines of a service (pino), unparseable ones skipped. */
export function logLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

export async function waitFor(probe, { timeoutMs = 15_000, intervalMs = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(intervalMs);
  }
}

/** CPU time (user + system, ms) and memory (RSS and its peak, MB) of a live process, from /proc. */
export function procStats(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuMs: ticks * 10, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function processAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// --- one run at a time ---------------------------------------------------------------------------

const LOCK_FILE = join(tmpdir(), 'orchestrator-bench-drills.lock');

/**
 * Benchmarks and drills share Redis databases 10 to 15 and empty them, and they measure time: two runs
 * at once on one machine (a CI run beside a developer's) would spoil each other. The second waits for
 * the first (a lock file naming the holder's pid; a dead holder's lock is taken over), at most `waitMs`.
 */
export async function runAlone(what, waitMs = 20 * 60_000) {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, 'wx');
      writeFileSync(fd, `${process.pid} ${what}\n`);
      closeSync(fd);
      process.once('exit', () => {
        if (readFileSync(LOCK_FILE, 'utf8').startsWith(`${process.pid} `)) rmSync(LOCK_FILE, { force: true });
      });
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const [holder, ...rest] = (existsSync(LOCK_FILE) ? readFileSync(LOCK_FILE, 'utf8') : '').trim().split(' ');
    if (!processAlive(Number(holder))) {
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another run (pid ${holder}: ${rest.join(' ')}) holds ${LOCK_FILE}`);
    if (!told) console.log(`${what}: waiting for another run (pid ${holder}: ${rest.join(' ')}) to finish`);
    told = true;
    await sleep(1_000);
  }
}

// --- the fake Slack and Redis --------------------------------------------------------------------

/** The fake Slack Web API of the e2e specs, in this process. */
export async function startFakeSlack(options = {}) {
  const { FakeSlackServer } = await import(pathToFileURL(join(ROOT, 'test', 'fakes', 'fake-slack-server.ts')).href);
  const slack = new FakeSlackServer([slackIdentity()], options);
  await slack.start();
  return slack;
}

/** Only databases 10 to 15 of the shared Redis are ours. */
export const REDIS_DBS = { intake: 10, pipeline: 11, memory: 12, drills: 13, drillsB: 14, drillsC: 15 };

export async function redisClient(db, port = 6379) {
  if (db < 10 || db > 15) throw new Error(`Redis database ${db} is not ours (10 to 15 are)`);
  const { Redis } = await import('ioredis');
  return new Redis({ host: '127.0.0.1', port, db, lazyConnect: false, maxRetriesPerRequest: 1 });
}

export async function flushDb(db, port = 6379) {
  const redis = await redisClient(db, port);
  await redis.flushdb();
  await redis.quit();
}

/** CPU seconds the Redis server has used so far (shared by everyone on it: a rough figure). */
export async function redisCpuMs(redis) {
  const info = await redis.info('cpu');
  const get = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
}

// --- statistics ----------------------------------------------------------------------------------

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values) {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function fmt(value, digits = 1) {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

/** A plain text table: first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows.map((row) => row.map((cell, column) => String(cell).padEnd(widths[column])).join('  ')).join('\n');
}

export function machineLine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const cores = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 0;
  const memGb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024;
  return `${cpu}, ${cores} cores, ${memGb.toFixed(0)} GB; Node ${process.version}; pinned: ${hasTaskset ? 'yes' : 'no'}`;
}

export { sleep };
