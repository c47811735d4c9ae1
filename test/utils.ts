import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Logger } from 'nestjs-pino';
import { register } from 'prom-client';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { AppModule } from '../src/app.module';
import { settlesWithin } from '../src/common/timeouts';
import { loadBots } from '../src/bots/load-bots';
import { loadConfig } from '../src/config/load-config';
import { computeSlackSignature } from '../src/webhooks/slack-signature';
import { type FakeBotIdentity, FakeSlackServer } from './fakes/fake-slack-server';
import { IDS } from './factories';

export const FAKE_CLAUDE = resolve(__dirname, 'fakes/claude');

/** Two bots of one workspace, as the e2e specs use them. */
export const BOTS = {
  backend: {
    id: 'backend',
    appId: IDS.app,
    signingSecret: 'e2e-backend-signing-secret',
    identity: {
      token: 'xoxb-e2e-backend-token',
      userId: IDS.botUser,
      botId: IDS.botId,
      teamId: IDS.team,
      appId: IDS.app,
    },
  },
  frontend: {
    id: 'frontend',
    appId: 'A0FRONTEND1',
    signingSecret: 'e2e-frontend-signing-secret',
    identity: {
      token: 'xoxb-e2e-frontend-token',
      userId: 'U0FRONTBOT1',
      botId: 'B0FRONTBOT1',
      teamId: IDS.team,
      appId: 'A0FRONTEND1',
    },
  },
} as const satisfies Record<string, { id: string; appId: string; signingSecret: string; identity: FakeBotIdentity }>;

/** The only channel the frontend bot answers in. */
export const FRONTEND_CHANNEL = 'C0FRONTEND1';

export const SECRETS = [
  BOTS.backend.signingSecret,
  BOTS.backend.identity.token,
  BOTS.frontend.signingSecret,
  BOTS.frontend.identity.token,
];

export interface TestApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export interface Workspace {
  readonly root: string;
  readonly recordDir: string;
  readonly botsFile: string;
}

/** A temporary folder with a working directory per bot, a record folder for the fake CLI and a bots file. */
export function makeWorkspace(
  options: {
    timeoutSeconds?: number;
    frontendTimeoutSeconds?: number;
    backendExtra?: string;
    frontendExtra?: string;
  } = {},
): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'orchestrator-e2e-'));
  const recordDir = join(root, 'records');
  for (const dir of ['backend', 'frontend', 'records', 'home']) mkdirSync(join(root, dir));
  const botsFile = join(root, 'bots.yaml');
  writeFileSync(
    botsFile,
    `defaults:
  timeoutSeconds: ${options.timeoutSeconds ?? 30}
  claude:
    model: sonnet
    env:
      FAKE_CLAUDE_RECORD_DIR: ${recordDir}
      ANTHROPIC_API_KEY: \${E2E_ANTHROPIC_KEY}
bots:
  - id: backend
    appId: ${BOTS.backend.appId}
    signingSecret: \${E2E_BACKEND_SECRET}
    token: \${E2E_BACKEND_TOKEN}
    workingDirectory: backend
    claude:
      maxTurns: 5
      allowedTools: [Read, "Bash(git log:*)"]
${options.backendExtra ?? ''}
  - id: frontend
    appId: ${BOTS.frontend.appId}
    signingSecret: \${E2E_FRONTEND_SECRET}
    token: \${E2E_FRONTEND_TOKEN}
    workingDirectory: frontend
    channels: [${FRONTEND_CHANNEL}]
    timeoutSeconds: ${options.frontendTimeoutSeconds ?? 30}
${options.frontendExtra ?? ''}
`,
  );
  return { root, recordDir, botsFile };
}

export const ANTHROPIC_TEST_KEY = 'sk-ant-e2e-test-key-000';

/** The environment the app gets: the bots' secrets, the fake Slack, the fake CLI. */
export function appEnvironment(
  workspace: Workspace,
  slack: FakeSlackServer,
  db: number,
  extra: Record<string, string> = {},
) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(workspace.root, 'home'),
    LANG: 'C.UTF-8',
    REDIS_URL: `redis://127.0.0.1:6379/${db}`,
    BOTS_CONFIG: workspace.botsFile,
    SLACK_API_URL: slack.url,
    CLAUDE_BIN: FAKE_CLAUDE,
    DATA_DIR: join(workspace.root, 'data'),
    LOG_LEVEL: 'debug',
    SHUTDOWN_GRACE_SECONDS: '2',
    E2E_BACKEND_SECRET: BOTS.backend.signingSecret,
    E2E_BACKEND_TOKEN: BOTS.backend.identity.token,
    E2E_FRONTEND_SECRET: BOTS.frontend.signingSecret,
    E2E_FRONTEND_TOKEN: BOTS.frontend.identity.token,
    E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY,
    ...extra,
  };
}

/**
 * Every log line of every app started in this test file. nestjs-pino builds its logger once per
 * process, so all apps of a file write to the destination of the first one.
 */
const capturedLogs: string[] = [];
const logDestination = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    capturedLogs.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((line) => line !== ''),
    );
    callback();
  },
});

/** The real app, in this process, listening on a random port, with its log lines captured. */
export async function startApp(env: Record<string, string>): Promise<TestApp> {
  // prom-client keeps one global registry; a second app in this process must start it afresh.
  register.clear();
  const config = loadConfig(env, env.CWD ?? process.cwd());
  const logs = capturedLogs;
  const app = await NestFactory.create(AppModule.forRole({ config, bots: loadBots(config), logDestination }), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  // An app whose Redis never answered cannot close its queue connection cleanly; do not wait for ever.
  const close = () => settlesWithin(app.close(), 10_000).then(() => undefined);
  return { app, url: url.replace('[::1]', '127.0.0.1'), logs, close };
}

export async function startFakeSlack(): Promise<FakeSlackServer> {
  const slack = new FakeSlackServer([BOTS.backend.identity, BOTS.frontend.identity]);
  await slack.start();
  return slack;
}

export async function flushRedis(db: number): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db });
  await redis.flushdb();
  await redis.quit();
}

export async function deleteKeys(db: number, ...keys: string[]): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db });
  await redis.del(...keys);
  await redis.quit();
}

export interface SignedRequestInit {
  readonly secret: string;
  readonly timestamp?: number;
  readonly retryNum?: number;
  readonly signature?: string | null;
}

/** POSTs a body signed the way Slack signs it: over the exact bytes sent. */
export async function postSigned(url: string, body: unknown, init: SignedRequestInit): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(init.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
  };
  const signature = init.signature === undefined ? computeSlackSignature(init.secret, timestamp, raw) : init.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  if (init.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(init.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body: raw });
}

/** Waits for a condition, polling, with a bound; never a fixed sleep. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  {
    timeoutMs = 30_000,
    intervalMs = 50,
    message = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface CliRecord {
  pid: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string | null;
  sessionId?: string;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  uid: number;
  gid: number;
  childPid?: number;
  detachedPid?: number;
  /** What a `[[probe:…]]` run could read. */
  probe?: { uid: number; gid: number; read: { path: string; content: string }[] };
}

/** What the fake CLI recorded about each of its runs, oldest first. */
export function cliRecords(workspace: Workspace): CliRecord[] {
  return readdirSync(workspace.recordDir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        return [JSON.parse(readFileSync(join(workspace.recordDir, name), 'utf8')) as CliRecord];
      } catch {
        // The fake rewrites its record as it goes; a half-written one is read again on the next poll.
        return [];
      }
    })
    .sort((a, b) => a.startedAt - b.startedAt);
}

/** Alive and not a zombie: where PID 1 does not reap orphans, a killed process lingers as state Z. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The value of one series in a Prometheus exposition, whatever the order of its labels. */
export function metricValue(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = exposition
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A port nothing listens on right now, for a service process a test starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
