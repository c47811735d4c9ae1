import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SlackMessageEvent } from '../../src/webhooks/slack-events.types';
import { envelope, IDS, mention, stopReaction, threadReply } from '../factories';
import { contentOf, isProgress, ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import {
  appEnvironment,
  BOTS,
  cliRecords,
  flushRedis,
  freePort,
  makeWorkspace,
  postSigned,
  startApp,
  startFakeSlack,
  type TestApp,
  waitFor,
  type Workspace,
} from '../utils';

const DB = 8;
const MAIN = resolve(__dirname, '../../dist/main.js');

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exit: Promise<number | null>;
}

/** Separate API and worker processes against one Redis, as in a deployment. */
describe('workers that stop, hand back and die', () => {
  let slack: FakeSlackServer;
  let api: TestApp;
  let workspace: Workspace;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await flushRedis(DB);
    slack = await startFakeSlack();
    workspace = makeWorkspace();
    api = await startApp(appEnvironment(workspace, slack, DB, { PROCESS_ROLE: 'api' }));
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await api.close();
    await slack.stop();
  });

  async function startWorker(dataDir: string, extra: Record<string, string> = {}): Promise<WorkerProcess> {
    const port = await freePort();
    const env = {
      ...appEnvironment(workspace, slack, DB),
      PROCESS_ROLE: 'worker',
      PORT: String(port),
      DATA_DIR: join(workspace.root, dataDir),
      LOG_LEVEL: 'warn',
      ...extra,
    };
    // Each worker's output goes to a file in the workspace, for whoever debugs a failure.
    const output = openSync(join(workspace.root, `worker-${port}.log`), 'a');
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', output, output] });
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    const worker = { child, port, exit };
    workers.push(worker);
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (response) => response.ok,
          () => false,
        ),
      { timeoutMs: 60_000, message: `worker on ${port} to be ready` },
    );
    return worker;
  }

  const send = async (event: SlackMessageEvent) => {
    const response = await postSigned(`${api.url}/webhooks/slack`, envelope(event), {
      secret: BOTS.backend.signingSecret,
    });
    expect(response.status).toBe(200);
  };
  const repliesIn = (threadTs: string) => threads().repliesIn(IDS.channel, threadTs);
  const finishedReply = (threadTs: string, timeoutMs?: number) =>
    threads().finishedReplies(IDS.channel, threadTs, 1, timeoutMs);
  const runsFor = (text: string) => threads().runsFor(text);
  const threads = () => new ThreadReader(slack, workspace);

  it('lets a running job finish within the grace period, then exits 0 on SIGTERM', async () => {
    const worker = await startWorker('data-a');
    const event = mention('finish before leaving [[sleep:1500]]');
    await send(event);
    await waitFor(() => runsFor('finish before leaving').length === 1, { message: 'the run to start' });
    worker.child.kill('SIGTERM');
    const [reply] = await finishedReply(event.ts!);
    expect(contentOf(reply)).toBe('Fake Claude answer (turn 1 of session): finish before leaving [[sleep:1500]]');
    expect(await worker.exit).toBe(0);
  });

  it('hands a job back after the grace period, and another worker resumes its session', async () => {
    const leaving = await startWorker('data-b', { SHUTDOWN_GRACE_SECONDS: '1' });
    const event = mention('too slow to finish [[sleep:8000]]');
    await send(event);
    const [first] = await waitFor(
      () => {
        const runs = runsFor('too slow to finish');
        return runs.length === 1 && runs[0].sessionId ? runs : undefined;
      },
      { message: 'the run to start' },
    );
    leaving.child.kill('SIGTERM');
    expect(await leaving.exit).toBe(0);
    const resumer = await startWorker('data-b');
    const replies = await finishedReply(event.ts!);
    expect(replies).toHaveLength(1);
    expect(contentOf(replies[0])).toMatch(
      /^Fake Claude answer \(turn 2 of session\): Your previous run .* was interrupted/,
    );
    const resumed = cliRecords(workspace).find((record) => record.argv.includes(`--resume=${first.sessionId!}`));
    expect(resumed).toBeDefined();
    resumer.child.kill('SIGTERM');
    expect(await resumer.exit).toBe(0);
  });

  it('resumes a thread on a second worker that never saw the first run', async () => {
    const first = await startWorker('data-first');
    const parent = mention('remember the word "heron"');
    await send(parent);
    await finishedReply(parent.ts!);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const second = await startWorker('data-second');
    await send({
      ...mention('which word?'),
      text: 'which word?',
      thread_ts: parent.ts,
      type: 'message',
      channel_type: 'channel',
    });
    const replies = await waitFor(
      () => {
        const all = repliesIn(parent.ts!);
        return all.length === 2 && !isProgress(all[1]) ? all : undefined;
      },
      { timeoutMs: 30_000, message: 'the follow-up answer' },
    );
    expect(contentOf(replies[1])).toBe('Fake Claude answer (turn 2 of session): which word?');
    const [firstRun] = runsFor('remember the word');
    const [secondRun] = runsFor('which word?');
    expect(secondRun.argv).toContain(`--resume=${firstRun.sessionId}`);
    expect(secondRun.env.CLAUDE_CONFIG_DIR).toContain('data-second');
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('stops a job by reaction on whichever of two workers runs it, and removes a queued one', async () => {
    const pair = [await startWorker('data-e'), await startWorker('data-f')];
    const running = mention('[[sleep:20000]] a long one to stop');
    await send(running);
    await waitFor(() => runsFor('a long one to stop').length === 1, { message: 'the run to start' });
    const queued = threadReply(running.ts!, 'a follow-up that waits its turn');
    await send(queued);
    await send(stopReaction(queued.ts!));
    await send(stopReaction(running.ts!));
    const stopped = `:octagonal_sign: Stopped by <@${IDS.alice}>.`;
    await waitFor(() => repliesIn(running.ts!).filter((reply) => contentOf(reply) === stopped).length === 2, {
      message: 'both stops said in the thread',
    });
    const [run] = runsFor('a long one to stop');
    await waitFor(() => runsFor('a long one to stop')[0]?.endedAt !== null || undefined, { message: 'the CLI to end' });
    expect(Date.now() - run.startedAt).toBeLessThan(20_000);
    expect(runsFor('a follow-up that waits its turn')).toEqual([]);
    for (const worker of pair) worker.child.kill('SIGTERM');
    expect(await Promise.all(pair.map((worker) => worker.exit))).toEqual([0, 0]);
  });

  it('resumes the session of a worker that died mid-run on the next worker, with one answer, within 30 s', async () => {
    const doomed = await startWorker('data-c');
    const event = mention('the worker dies [[sleep:4000]]');
    await send(event);
    await waitFor(() => runsFor('the worker dies').length === 1, { message: 'the run to start' });
    await waitFor(() => repliesIn(event.ts!).length === 1, { message: 'the progress message' });
    // A completed turn has been checkpointed: the session can be resumed elsewhere.
    const redis = new Redis({ host: '127.0.0.1', port: 6379, db: DB });
    const transcriptKey = `orchestrator:backend:transcript:${event.channel!}:${event.ts!}`;
    await waitFor(async () => (await redis.exists(transcriptKey)) === 1, { message: 'a checkpoint of the session' });
    await redis.quit();
    doomed.child.kill('SIGKILL');
    await doomed.exit;
    const diedAt = Date.now();
    await startWorker('data-d');
    // BullMQ notices the lapsed lock within its stall check and gives the job to the new worker.
    const replies = await finishedReply(event.ts!, 60_000);
    const seconds = (Date.now() - diedAt) / 1000;
    console.log(`worker death to the resumed answer: ${seconds.toFixed(1)} s`);
    expect(replies.map(contentOf)).toEqual([
      'Fake Claude answer (turn 2 of session): Your previous run on the request above was interrupted before you could answer. Please continue and answer it.',
    ]);
    const [first] = runsFor('the worker dies');
    const resumed = cliRecords(workspace).find((run) => run.startedAt >= diedAt);
    expect(resumed?.argv).toContain(`--resume=${first.sessionId}`);
    expect(seconds).toBeLessThanOrEqual(30);
  }, 120_000);
});
