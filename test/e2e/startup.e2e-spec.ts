import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { FakeSlackServer } from '../fakes/fake-slack-server';
import { appEnvironment, BOTS, flushRedis, freePort, makeWorkspace, waitFor } from '../utils';

const DB = 3;
const MAIN = resolve(__dirname, '../../dist/main.js');

interface Exit {
  code: number | null;
  stderr: string;
  stdout: string;
  ms: number;
}

/** Runs the built service as a newcomer or a pod would: `node dist/main.js`. */
function startProcess(env: Record<string, string>): { child: ChildProcess; exit: Promise<Exit> } {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => ({
    code: code as number | null,
    stderr,
    stdout,
    ms: Date.now() - started,
  }));
  return { child, exit };
}

describe('starting and stopping the service', () => {
  let slack: FakeSlackServer;

  beforeAll(async () => {
    await flushRedis(DB);
    slack = new FakeSlackServer([BOTS.backend.identity, BOTS.frontend.identity]);
    await slack.start();
  });

  afterAll(async () => {
    await slack.stop();
  });

  const baseEnv = async () => ({
    ...appEnvironment(makeWorkspace(), slack, DB),
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  });

  it.each([
    [
      'a missing signing secret',
      { BOTS_CONFIG: '', SLACK_BOT_TOKEN: 'xoxb-1' },
      'Configuration error: SLACK_SIGNING_SECRET is required when BOTS_CONFIG is not set',
    ],
    ['a bad port', { PORT: 'eighty' }, 'Configuration error: PORT must be an integer number (got "eighty")'],
    ['a bad role', { PROCESS_ROLE: 'everything' }, 'Configuration error: PROCESS_ROLE must be'],
    [
      'an unset variable in the bots file',
      { E2E_FRONTEND_TOKEN: '' },
      'Configuration error: bot "frontend": environment variable E2E_FRONTEND_TOKEN is not set',
    ],
    [
      'a bots file that does not exist',
      { BOTS_CONFIG: '/nonexistent/bots.yaml' },
      'Configuration error: BOTS_CONFIG /nonexistent/bots.yaml cannot be read: ENOENT',
    ],
  ])('refuses %s with one line and a non-zero exit, quickly', async (_name, overrides, message) => {
    const env: Record<string, string> = { ...(await baseEnv()), ...overrides };
    for (const [key, value] of Object.entries(overrides)) if (value === '') delete env[key];
    const { exit } = startProcess(env);
    const result = await exit;
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
    expect(result.ms).toBeLessThan(3_000);
  });

  it('stops when Slack refuses a bot token, naming the bot', async () => {
    const env = { ...(await baseEnv()), E2E_FRONTEND_TOKEN: 'xoxb-revoked-token' };
    const { exit } = startProcess(env);
    const result = await exit;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Configuration error: bot "frontend": Slack refused its token (invalid_auth)');
    expect(result.stderr + result.stdout).not.toContain('xoxb-revoked-token');
  });

  it('waits for Slack with readiness 503, becomes ready when Slack answers, and exits 0 on SIGTERM', async () => {
    const slackPort = await freePort();
    const env = { ...(await baseEnv()), SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/` };
    const { child, exit } = startProcess(env);
    const ready = () =>
      fetch(`http://127.0.0.1:${env.PORT}/health/ready`).then(
        (response) => response.status,
        () => 0,
      );
    await waitFor(async () => (await ready()) === 503, { message: 'readiness 503 while Slack is away' });
    const body = (await (await fetch(`http://127.0.0.1:${env.PORT}/health/ready`)).json()) as {
      error: Record<string, unknown>;
    };
    expect(Object.keys(body.error)).toEqual(['bots']);
    const lateSlack = new FakeSlackServer([BOTS.backend.identity, BOTS.frontend.identity]);
    await lateSlack.start(slackPort);
    try {
      await waitFor(async () => (await ready()) === 200, {
        timeoutMs: 20_000,
        message: 'readiness once Slack answers',
      });
      child.kill('SIGTERM');
      const result = await exit;
      expect(result.code).toBe(0);
    } finally {
      await lateSlack.stop();
    }
  });

  it('runs a worker-only process that stops cleanly on SIGTERM', async () => {
    const env = { ...(await baseEnv()), PROCESS_ROLE: 'worker' };
    const { child, exit } = startProcess(env);
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${env.PORT}/health/ready`).then(
          (response) => response.status === 200,
          () => false,
        ),
      { message: 'worker readiness' },
    );
    const health = (await (await fetch(`http://127.0.0.1:${env.PORT}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', role: 'worker', version: '0.1.0' });
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });

  it('keeps the built entry point where the image runs it', () => {
    expect(MAIN).toBe(join(resolve(__dirname, '../..'), 'dist', 'main.js'));
  });
});
