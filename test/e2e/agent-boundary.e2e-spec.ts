import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SlackMessageEvent } from '../../src/webhooks/slack-events.types';
import { envelope, mention } from '../factories';
import { ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import {
  appEnvironment,
  BOTS,
  flushRedis,
  freePort,
  FRONTEND_CHANNEL,
  makeWorkspace,
  postSigned,
  processAlive,
  startFakeSlack,
  waitFor,
  type Workspace,
} from '../utils';

const DB = 10;
const MAIN = resolve(__dirname, '../../dist/main.js');
const AGENT_USER = 'orch-e2e-agent';
const FRONTEND_USER = 'orch-e2e-front';
const FRONTEND_KEY = 'sk-ant-frontend-canary-4f9e2b7c';
const SERVICE_CANARY = 'service-env-canary-8d1a5c3e';
const FRONTEND_REPO_CANARY = 'frontend-repo-canary-61b0e4a2';
const FRONTEND_UPLOAD_CANARY = 'frontend-upload-canary-0c7d9f13';

/** Creates a system user for the agent once per machine; tests on a shared machine reuse it. */
function ensureUser(name: string): { uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

interface Service {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exit: Promise<number | null>;
}

/**
 * The service as root, as a deployment without containers runs it: AGENT_USER for one bot, runAs for
 * the other. CI runs as root; elsewhere these checks cannot be made and are skipped.
 */
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('the agent holds no keys: another identity, nothing left behind', () => {
  let slack: FakeSlackServer;
  let workspace: Workspace;
  let service: Service;
  let reader: ThreadReader;
  let agent: { uid: number; gid: number };
  let front: { uid: number; gid: number };

  beforeAll(async () => {
    agent = ensureUser(AGENT_USER);
    front = ensureUser(FRONTEND_USER);
    await flushRedis(DB);
    slack = await startFakeSlack();
    workspace = makeWorkspace({
      frontendExtra: `    runAs: ${FRONTEND_USER}\n    claude:\n      env:\n        ANTHROPIC_API_KEY: ${FRONTEND_KEY}\n`,
    });
    // The agents may pass through the test's folder to their own working directories, and no further.
    chmodSync(workspace.root, 0o711);
    chmodSync(workspace.recordDir, 0o1777);
    chmodSync(workspace.botsFile, 0o600);
    for (const [dir, owner] of [
      ['backend', agent],
      ['frontend', front],
    ] as const) {
      chownSync(join(workspace.root, dir), owner.uid, owner.gid);
      chmodSync(join(workspace.root, dir), 0o700);
    }
    writeFileSync(join(workspace.root, 'frontend', 'NOTES.md'), FRONTEND_REPO_CANARY, { mode: 0o600 });
    chownSync(join(workspace.root, 'frontend', 'NOTES.md'), front.uid, front.gid);
    service = await startService(workspace, slack, { AGENT_USER });
    reader = new ThreadReader(slack, workspace);
  });

  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exit;
    await slack?.stop();
  });

  const send = async (event: SlackMessageEvent, bot: typeof BOTS.backend | typeof BOTS.frontend = BOTS.backend) => {
    const body = envelope(event, { api_app_id: bot.appId });
    const response = await postSigned(`${service.url}/webhooks/slack`, body, { secret: bot.signingSecret });
    expect(response.status).toBe(200);
  };

  it("runs each bot's CLI as its own user, where a hostile run reads none of the service's secrets", async () => {
    // The frontend bot is busy with an uploaded file while the backend's agent looks around.
    const upload = slack.hostFile('customer.txt', Buffer.from(FRONTEND_UPLOAD_CANARY), 'text/plain');
    const busy = mention('[[sleep:4000]] read the upload', {
      channel: FRONTEND_CHANNEL,
      subtype: 'file_share',
      files: [upload],
    });
    await send(busy, BOTS.frontend);
    await waitFor(() => reader.runsFor('read the upload').length > 0, { message: 'the frontend run' });

    const dataDir = join(workspace.root, 'data');
    const targets = [workspace.botsFile, join(workspace.root, 'frontend'), dataDir, join(workspace.root, 'home')];
    const hostile = mention(`[[probe:${targets.join(',')}]] show me everything`);
    await send(hostile);
    await reader.finishedReplies(hostile.channel!, hostile.ts!);
    await reader.finishedReplies(busy.channel!, busy.ts!, 1, 30_000);

    const [probeRun] = reader.runsFor('show me everything');
    const [frontendRun] = reader.runsFor('read the upload');
    expect({ backend: probeRun.uid, frontend: frontendRun.uid }).toEqual({ backend: agent.uid, frontend: front.uid });
    const probe = probeRun.probe!;
    const seen = JSON.stringify(probe.read);
    // It did look: its own working directory and environment were there to read.
    expect(probe.read.some((entry) => entry.path === `/proc/${probeRun.pid}/environ`)).toBe(true);
    const canaries = {
      backendToken: BOTS.backend.identity.token,
      backendSecret: BOTS.backend.signingSecret,
      frontendToken: BOTS.frontend.identity.token,
      frontendSecret: BOTS.frontend.signingSecret,
      frontendKey: FRONTEND_KEY,
      serviceEnvironment: SERVICE_CANARY,
      redisUrl: `redis://127.0.0.1:6379/${DB}`,
      frontendRepository: FRONTEND_REPO_CANARY,
      frontendUpload: FRONTEND_UPLOAD_CANARY,
    };
    const found = Object.entries(canaries).filter(([, canary]) => seen.includes(canary));
    expect(found.map(([name]) => name)).toEqual([]);
    // The upload was the frontend job's alone, and went with it.
    expect(findFile(join(dataDir, 'agents'), 'customer.txt')).toBeUndefined();
  });

  it('ends a process the agent detached with setsid within 5 s of the answer', async () => {
    const event = mention('[[detach]] start the dev server');
    await send(event);
    await reader.finishedReplies(event.channel!, event.ts!);
    const [run] = reader.runsFor('start the dev server');
    const detachedPid = run.detachedPid!;
    expect(detachedPid).toBeGreaterThan(0);
    await waitFor(() => !processAlive(detachedPid), { timeoutMs: 5_000, message: 'the detached process to end' });
  });
});

asRoot('who runs the agent: start-up errors that name what to fix', () => {
  let workspace: Workspace;
  let slack: FakeSlackServer;

  beforeAll(async () => {
    ensureUser(AGENT_USER);
    slack = await startFakeSlack();
    workspace = makeWorkspace();
    chmodSync(workspace.root, 0o711);
    chmodSync(workspace.botsFile, 0o600);
  });
  afterAll(() => slack.stop());

  /** Starts the service and returns its one line on stderr, with the exit code. */
  const startupError = (extra: Record<string, string>): { status: number | null; stderr: string } => {
    const env = { ...appEnvironment(workspace, slack, DB), ...extra };
    const result = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, stderr: result.stderr.trim() };
  };

  it('refuses an AGENT_USER the machine does not know', () => {
    expect(startupError({ AGENT_USER: 'no-such-agent-user' })).toEqual({
      status: 1,
      stderr: 'Configuration error: AGENT_USER: no user "no-such-agent-user" on this machine',
    });
  });

  it('refuses a working directory the agent cannot write, naming the bot', () => {
    const { status, stderr } = startupError({ AGENT_USER });
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /^Configuration error: bot "backend": workingDirectory .*backend is not writable by the agent's user orch-e2e-agent/,
    );
  });

  it('refuses a bots file the agent could read', () => {
    chmodSync(join(workspace.root, 'backend'), 0o777);
    chmodSync(join(workspace.root, 'frontend'), 0o777);
    chmodSync(workspace.botsFile, 0o644);
    try {
      const { status, stderr } = startupError({ AGENT_USER });
      expect(status).toBe(1);
      expect(stderr).toMatch(
        /^Configuration error: BOTS_CONFIG .* can be read by the agent's user orch-e2e-agent .*chmod 600 it$/,
      );
    } finally {
      chmodSync(workspace.botsFile, 0o600);
    }
  });

  it('refuses AGENT_USER when the service cannot switch users', () => {
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const env = {
      ...appEnvironment(workspace, slack, DB),
      BOTS_CONFIG: '',
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      CLAUDE_WORKING_DIRECTORY: '/tmp',
      AGENT_USER,
    };
    const result = spawnSync(process.execPath, [MAIN], { env, uid: nobody, gid: nobody, encoding: 'utf8', cwd: '/' });
    expect(result.stderr.trim()).toBe(
      'Configuration error: AGENT_USER needs the service to run as root or with CAP_SETUID and CAP_SETGID',
    );
    expect(result.status).toBe(1);
  });
});

/** A job folder is removed when its job ends: none may be left to find. */
function findFile(root: string, name: string): string | undefined {
  const output = execFileSync('find', [root, '-name', name], { encoding: 'utf8' }).trim();
  return output === '' ? undefined : output.split('\n')[0];
}

async function startService(workspace: Workspace, slack: FakeSlackServer, extra: Record<string, string>) {
  const port = await freePort();
  const env = {
    ...appEnvironment(workspace, slack, DB),
    PORT: String(port),
    LOG_LEVEL: 'info',
    E2E_SERVICE_CANARY: SERVICE_CANARY,
    ...extra,
  };
  const output = openSync(join(workspace.root, `service-${port}.log`), 'a');
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', output, output] });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      ),
    { timeoutMs: 60_000, message: 'the service to be ready' },
  );
  return { child, url, exit };
}
