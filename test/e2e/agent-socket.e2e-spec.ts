import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envelope, mention } from '../factories';
import { ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import {
  appEnvironment,
  BOTS,
  flushRedis,
  freePort,
  makeWorkspace,
  postSigned,
  SECRETS,
  startFakeSlack,
  waitFor,
  type Workspace,
} from '../utils';

const DB = 11;
const MAIN = resolve(__dirname, '../../dist/main.js');

/** As the chart runs it: the worker in one process, the agent side (`PROCESS_ROLE=runner`) in another. */
describe('an agent side of its own, behind AGENT_SOCKET', () => {
  let slack: FakeSlackServer;
  let workspace: Workspace;
  let reader: ThreadReader;
  let socketPath: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await flushRedis(DB);
    slack = await startFakeSlack();
    workspace = makeWorkspace();
    reader = new ThreadReader(slack, workspace);
    socketPath = join(workspace.root, 'run', 'agent.sock');
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(running.map((child) => once(child, 'exit')));
    await slack.stop();
  });

  const start = (name: string, env: Record<string, string>): ChildProcess => {
    const output = openSync(join(workspace.root, `${name}.log`), 'a');
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', output, output] });
    children.push(child);
    return child;
  };
  const ready = (url: string) =>
    fetch(`${url}/health/ready`).then(
      async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }),
      () => undefined,
    );

  it('waits for the agent side, then answers through it, with its own credentials; it holds no secret of the service', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    start('service', {
      ...appEnvironment(workspace, slack, DB),
      PORT: String(port),
      AGENT_SOCKET: socketPath,
      DATA_DIR: join(workspace.root, 'service-data'),
    });
    const waiting = await waitFor(async () => (await ready(url))?.status === 503 && ready(url), {
      message: 'the service to answer readiness',
    });
    expect(JSON.stringify(waiting)).toContain('waiting for the agent side');

    const runner = start('runner', {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PROCESS_ROLE: 'runner',
      AGENT_SOCKET: socketPath,
      DATA_DIR: join(workspace.root, 'agent-data'),
      HOME: join(workspace.root, 'home'),
      CLAUDE_CODE_OAUTH_TOKEN: 'agent-own-credential',
    });
    await waitFor(async () => (await ready(url))?.status === 200, { message: 'readiness with the agent side up' });

    const event = mention('who answers?');
    const body = envelope(event, { api_app_id: BOTS.backend.appId });
    expect((await postSigned(`${url}/webhooks/slack`, body, { secret: BOTS.backend.signingSecret })).status).toBe(200);
    const [answer] = await reader.finishedReplies(event.channel!, event.ts!);
    expect(answer.markdown_text).toContain('Fake Claude answer (turn 1 of session): who answers?');

    const [run] = reader.runsFor('who answers?');
    expect(run.env.CLAUDE_CONFIG_DIR).toBe(join(workspace.root, 'agent-data', 'bots', 'backend', 'claude'));
    // The agent side's own credentials reach the CLI; its own settings do not.
    expect(run.env.CLAUDE_CODE_OAUTH_TOKEN).toBe('agent-own-credential');
    expect(Object.keys(run.env).filter((name) => name.startsWith('AGENT_') || name === 'PROCESS_ROLE')).toEqual([]);
    const runnerEnvironment = readFileSync(`/proc/${runner.pid}/environ`, 'utf8');
    expect(SECRETS.filter((secret) => runnerEnvironment.includes(secret))).toEqual([]);
    expect(runnerEnvironment).not.toContain('REDIS_URL');
  });
});
