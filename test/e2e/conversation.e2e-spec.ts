import {
  directMessage,
  editedMessage,
  envelope,
  IDS,
  mention,
  mentionTwin,
  otherBotMessage,
  ownReply,
  threadReply,
} from '../factories';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QUOTED_TEXT_RULE } from '../../src/claude-runner/prompt';
import type { SlackMessageEvent } from '../../src/webhooks/slack-events.types';
import { contentOf, ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import {
  ANTHROPIC_TEST_KEY,
  appEnvironment,
  BOTS,
  cliRecords,
  deleteKeys,
  flushRedis,
  FRONTEND_CHANNEL,
  makeWorkspace,
  metricValue,
  percentile,
  postSigned,
  processAlive,
  SECRETS,
  startApp,
  startFakeSlack,
  type TestApp,
  waitFor,
  type Workspace,
} from '../utils';

const DB = 2;

describe('a Slack message becomes a Claude answer in its thread', () => {
  let slack: FakeSlackServer;
  let app: TestApp;
  let workspace: Workspace;
  let threads: ThreadReader;

  beforeAll(async () => {
    await flushRedis(DB);
    slack = await startFakeSlack();
    workspace = makeWorkspace({ frontendTimeoutSeconds: 2 });
    threads = new ThreadReader(slack, workspace);
    app = await startApp(appEnvironment(workspace, slack, DB, { RATE_LIMIT_MAX_REQUESTS: '3' }));
    await waitFor(async () => (await fetch(`${app.url}/health/ready`)).status === 200, { message: 'readiness' });
  });

  afterAll(async () => {
    await app.close();
    await slack.stop();
  });

  // Each test speaks as its own user, so that the rate limit (3 a minute here) only bites where tested.
  let testUser = 0;
  beforeEach(() => {
    testUser += 1;
  });
  const asTestUser = (event: SlackMessageEvent): SlackMessageEvent =>
    event.user === IDS.alice ? { ...event, user: `U0TESTER${String(testUser).padStart(3, '0')}` } : event;

  const send = async (event: SlackMessageEvent, bot: keyof typeof BOTS = 'backend', path = '') => {
    const body = envelope(asTestUser(event), { api_app_id: BOTS[bot].appId });
    const response = await postSigned(`${app.url}/webhooks/slack${path}`, body, { secret: BOTS[bot].signingSecret });
    expect(response.status).toBe(200);
    return body;
  };

  const repliesIn = (channel: string, threadTs: string) => threads.repliesIn(channel, threadTs);
  const answerIn = (channel: string, threadTs: string, count = 1) => threads.finishedReplies(channel, threadTs, count);
  const runsFor = (text: string) => threads.runsFor(text);

  it('answers a mention in its thread, with the bot token, 👀 while working and ✅ when done', async () => {
    const event = mention('what does the health route return?');
    await send(event);
    const [answer] = await answerIn(IDS.channel, event.ts!);
    expect(contentOf(answer)).toBe('Fake Claude answer (turn 1 of session): what does the health route return?');
    const posts = slack.calls('chat.postMessage').filter((call) => call.args.thread_ts === event.ts);
    expect(posts.map((call) => call.token)).toEqual([BOTS.backend.identity.token]);
    await waitFor(() => slack.reactions(IDS.channel, event.ts!).includes('white_check_mark'), { message: '✅' });
    const reactionCalls = slack
      .calls()
      .filter((call) => call.method.startsWith('reactions.') && call.args.timestamp === event.ts);
    expect(reactionCalls.map((call) => `${call.method} ${String(call.args.name)}`)).toEqual([
      'reactions.add eyes',
      'reactions.remove eyes',
      'reactions.add white_check_mark',
    ]);
  });

  it('runs the CLI as the contract says: flags, working directory, prompt on stdin', async () => {
    const event = mention('show the flags');
    await send(event);
    await answerIn(IDS.channel, event.ts!);
    const [run] = runsFor('show the flags');
    expect(run.argv).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'sonnet',
      '--max-turns',
      '5',
      '--allowedTools=Read,Bash(git log:*)',
      '--append-system-prompt',
      QUOTED_TEXT_RULE,
    ]);
    expect(run.cwd).toBe(`${workspace.root}/backend`);
    expect(run.stdin).toBe('show the flags');
  });

  it('gives the CLI no Slack token, signing secret or Redis URL: only PATH, HOME, LANG, its config folder and the bot env', async () => {
    const event = mention('print your environment');
    await send(event);
    await answerIn(IDS.channel, event.ts!);
    const [run] = runsFor('print your environment');
    expect(Object.keys(run.env).sort()).toEqual([
      'ANTHROPIC_API_KEY',
      'CLAUDE_CONFIG_DIR',
      'FAKE_CLAUDE_RECORD_DIR',
      'HOME',
      'LANG',
      'PATH',
    ]);
    expect(run.env.ANTHROPIC_API_KEY).toBe(ANTHROPIC_TEST_KEY);
    expect(run.env.CLAUDE_CONFIG_DIR).toBe(`${workspace.root}/data/bots/backend/claude`);
    const values = JSON.stringify(run.env);
    for (const secret of [...SECRETS, 'redis://']) expect(values).not.toContain(secret);
  });

  it('answers a direct message in the DM', async () => {
    const event = directMessage('hello from a DM');
    await send(event);
    const [answer] = await answerIn(IDS.dm, event.ts!);
    expect(contentOf(answer)).toContain('hello from a DM');
  });

  it('routes two bots by app id on the shared route and by path, each answering with its own token', async () => {
    const forFrontend = mention('frontend question', {
      channel: FRONTEND_CHANNEL,
      text: `<@${BOTS.frontend.identity.userId}> frontend question`,
    });
    await send(forFrontend, 'frontend');
    const forBackend = mention('backend by path');
    await send(forBackend, 'backend', '/backend');
    const [frontendAnswer] = await answerIn(FRONTEND_CHANNEL, forFrontend.ts!);
    const [backendAnswer] = await answerIn(IDS.channel, forBackend.ts!);
    expect(contentOf(frontendAnswer)).toContain('frontend question');
    expect(contentOf(backendAnswer)).toContain('backend by path');
    const tokenOf = (ts: string) => slack.calls('chat.postMessage').find((call) => call.args.thread_ts === ts)?.token;
    expect(tokenOf(forFrontend.ts!)).toBe(BOTS.frontend.identity.token);
    expect(tokenOf(forBackend.ts!)).toBe(BOTS.backend.identity.token);
    expect(runsFor('frontend question')[0].cwd).toBe(`${workspace.root}/frontend`);
  });

  it('makes one job of Slack retries and of the app_mention + message twins', async () => {
    const event = mention('only once please');
    const first = await send(event);
    const secret = BOTS.backend.signingSecret;
    const deliveries = [
      postSigned(`${app.url}/webhooks/slack`, first, { secret, retryNum: 1 }),
      postSigned(`${app.url}/webhooks/slack`, first, { secret, retryNum: 2 }),
      postSigned(`${app.url}/webhooks/slack`, envelope(mentionTwin(first.event)), { secret }),
      postSigned(`${app.url}/webhooks/slack`, envelope(mentionTwin(first.event)), { secret, retryNum: 1 }),
    ];
    expect((await Promise.all(deliveries)).map((response) => response.status)).toEqual([200, 200, 200, 200]);
    await answerIn(IDS.channel, event.ts!);
    await waitFor(() => slack.reactions(IDS.channel, event.ts!).includes('white_check_mark'), { message: '✅' });
    expect(runsFor('only once please')).toHaveLength(1);
    expect(repliesIn(IDS.channel, event.ts!)).toHaveLength(1);
  });

  it('ignores bots, its own replies, edits and channels it may not answer in', async () => {
    const before = cliRecords(workspace).length;
    const postsBefore = slack.calls('chat.postMessage').length;
    const parent = mention('parent of ignored things');
    await send(parent);
    await answerIn(IDS.channel, parent.ts!);
    await send(ownReply(parent.ts!));
    await send(otherBotMessage());
    await send(editedMessage(parent.ts!));
    await send(
      mention('not my channel', { channel: 'C0ELSEWHERE', text: `<@${BOTS.frontend.identity.userId}> hi` }),
      'frontend',
    );
    await send(threadReply('1700000000.000001', 'a thread I am not in'));
    // A later message proves the queue moved past everything above without running it.
    const marker = mention('marker after ignores');
    await send(marker);
    await answerIn(IDS.channel, marker.ts!);
    expect(cliRecords(workspace).length - before).toBe(2);
    expect(slack.calls('chat.postMessage').length - postsBefore).toBe(2);
  });

  it('resumes the thread session for a follow-up without a mention', async () => {
    const parent = mention('remember the number 42');
    await send(parent);
    await answerIn(IDS.channel, parent.ts!);
    await send(threadReply(parent.ts!, 'what was the number?'));
    const replies = await answerIn(IDS.channel, parent.ts!, 2);
    expect(contentOf(replies[1])).toBe('Fake Claude answer (turn 2 of session): what was the number?');
    const [first] = runsFor('remember the number 42');
    const [second] = runsFor('what was the number?');
    expect(first.sessionId).toEqual(expect.any(String));
    expect(second.argv[4]).toBe(`--resume=${first.sessionId}`);
  });

  it('runs the messages of one thread one at a time, in order', async () => {
    const parent = mention('slow first [[sleep:1500]]');
    await send(parent);
    await waitFor(() => runsFor('slow first').length === 1, { message: 'the first run to start' });
    await send(threadReply(parent.ts!, 'quick second'));
    await send(threadReply(parent.ts!, 'quick third'));
    const replies = await answerIn(IDS.channel, parent.ts!, 3);
    expect(replies.map(contentOf)).toEqual([
      expect.stringContaining('slow first'),
      expect.stringContaining('turn 2 of session): quick second'),
      expect.stringContaining('turn 3 of session): quick third'),
    ]);
    const [first, second, third] = ['slow first', 'quick second', 'quick third'].map((text) => runsFor(text)[0]);
    expect(second.startedAt).toBeGreaterThanOrEqual(first.endedAt!);
    expect(third.startedAt).toBeGreaterThanOrEqual(second.endedAt!);
  });

  it('keeps other threads going while one thread is busy', async () => {
    const slow = mention('slow thread [[sleep:2000]]');
    await send(slow);
    await waitFor(() => runsFor('slow thread').length === 1, { message: 'the slow run to start' });
    const quick = mention('quick other thread');
    await send(quick);
    await answerIn(IDS.channel, quick.ts!);
    expect(repliesIn(IDS.channel, slow.ts!).map(contentOf)).toEqual([
      expect.stringMatching(/^:hourglass_flowing_sand:/),
    ]);
    await answerIn(IDS.channel, slow.ts!);
  });

  it('says a CLI failure in one line with its kind, and marks the message ❌', async () => {
    const event = mention('this will fail [[api-error]]');
    await send(event);
    const [line] = await answerIn(IDS.channel, event.ts!);
    expect(contentOf(line)).toBe(
      ':x: Sorry, I could not finish this: the Claude API answered with an error. (api_error)',
    );
    await waitFor(() => slack.reactions(IDS.channel, event.ts!).includes('x'), { message: '❌' });
    expect(slack.reactions(IDS.channel, event.ts!)).not.toContain('eyes');
  });

  it('ends the whole process group at the time limit, says so, and leaves nothing behind', async () => {
    const event = mention('never ends [[child]]', {
      channel: FRONTEND_CHANNEL,
      text: `<@${BOTS.frontend.identity.userId}> never ends [[child]]`,
    });
    await send(event, 'frontend');
    const [line] = await answerIn(FRONTEND_CHANNEL, event.ts!);
    expect(contentOf(line)).toBe(
      ':x: Sorry, I could not finish this: it took longer than 2 s, so I stopped. (timeout)',
    );
    const [run] = runsFor('never ends');
    expect(run.childPid).toEqual(expect.any(Number));
    await waitFor(() => !processAlive(run.pid) && !processAlive(run.childPid!), {
      message: 'the CLI and its child to be gone',
    });
  });

  it('escalates to SIGKILL for a CLI that ignores SIGINT and SIGTERM', async () => {
    const text = 'stubborn [[ignore-sigterm]] [[sleep:60000]]';
    const event = mention(text, { channel: FRONTEND_CHANNEL, text: `<@${BOTS.frontend.identity.userId}> ${text}` });
    await send(event, 'frontend');
    const [line] = await answerIn(FRONTEND_CHANNEL, event.ts!);
    expect(contentOf(line)).toContain('(timeout)');
    const [run] = runsFor('stubborn');
    // Only SIGKILL ends this fake, and it then records no end of its own.
    expect(run.endedAt).toBeNull();
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
  });

  it('starts a fresh session when the old one cannot be resumed, and says so', async () => {
    const parent = mention('a session that will be lost');
    await send(parent);
    await answerIn(IDS.channel, parent.ts!);
    // As if the session were evicted everywhere: no transcript on this worker's disk, none in Redis.
    rmSync(join(workspace.root, 'data/bots/backend/claude/projects'), { recursive: true, force: true });
    await deleteKeys(DB, `orchestrator:backend:transcript:${IDS.channel}:${parent.ts}`);
    await send(threadReply(parent.ts!, 'are you still there?'));
    const replies = (await answerIn(IDS.channel, parent.ts!, 3)).map(contentOf);
    expect(replies).toContain('Fake Claude answer (turn 1 of session): are you still there?');
    expect(replies.filter((reply) => reply.includes('I could not pick up our earlier conversation'))).toHaveLength(1);
    const attempts = runsFor('are you still there?');
    expect(attempts.map((run) => run.argv.some((arg) => arg.startsWith('--resume')))).toEqual([false]);
  });

  it('limits each user, with one ephemeral notice per window and no job', async () => {
    const user = 'U0RATELIMIT';
    const events = Array.from({ length: 5 }, (_, i) => mention(`burst ${i}`, { user }));
    for (const event of events) await send(event);
    await waitFor(() => events.slice(0, 3).every((event) => repliesIn(IDS.channel, event.ts!).length === 1), {
      message: 'the three allowed answers',
    });
    const notices = await slack.waitForCalls('chat.postEphemeral', 1, (call) => call.args.user === user);
    expect(notices[0].args.text).toContain('faster than I can take them');
    expect(slack.calls('chat.postEphemeral').filter((call) => call.args.user === user)).toHaveLength(1);
    expect(events.slice(3).map((event) => repliesIn(IDS.channel, event.ts!).length)).toEqual([0, 0]);
    expect(runsFor('burst 3')).toHaveLength(0);
    expect(runsFor('burst 4')).toHaveLength(0);
  });

  it('answers Slack within milliseconds (latency over 40 accepted mentions)', async () => {
    const latencies: number[] = [];
    const events = Array.from({ length: 40 }, (_, i) =>
      mention(`latency probe ${i}`, { user: `U0LATENCY${String(i).padStart(2, '0')}` }),
    );
    for (const event of events) {
      const started = performance.now();
      const response = await postSigned(`${app.url}/webhooks/slack`, envelope(event), {
        secret: BOTS.backend.signingSecret,
      });
      latencies.push(performance.now() - started);
      expect(response.status).toBe(200);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `webhook answer latency over ${latencies.length} accepted mentions: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    );
    expect(p99).toBeLessThan(1_000);
    await waitFor(() => events.every((event) => repliesIn(IDS.channel, event.ts!).length === 1), {
      timeoutMs: 60_000,
      message: 'every probe answered',
    });
  });

  it('counts jobs, queue depth, Slack calls and HTTP requests', async () => {
    // The last jobs may still be swapping reactions after their answers are posted.
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${app.url}/metrics`)).text();
        return metricValue(text, 'orchestrator_jobs_running', { bot: 'backend' }) === 0 ? text : undefined;
      },
      { message: 'no job running' },
    );
    // CI lints this exposition with promtool once the suite has produced its traffic.
    mkdirSync(resolve(__dirname, '../../test-results'), { recursive: true });
    writeFileSync(resolve(__dirname, '../../test-results/metrics.prom'), metrics);
    const value = (name: string, labels: Record<string, string>) => metricValue(metrics, name, labels);
    expect(value('orchestrator_jobs_total', { bot: 'backend', outcome: 'succeeded' })).toBeGreaterThan(0);
    expect(value('orchestrator_jobs_total', { bot: 'backend', outcome: 'failed' })).toBeGreaterThan(0);
    expect(value('orchestrator_jobs_total', { bot: 'frontend', outcome: 'timed_out' })).toBeGreaterThan(0);
    expect(value('orchestrator_job_duration_seconds_count', { bot: 'backend', outcome: 'succeeded' })).toBeGreaterThan(
      0,
    );
    expect(value('orchestrator_job_wait_seconds_count', { bot: 'backend' })).toBeGreaterThan(0);
    expect(value('orchestrator_jobs_running', { bot: 'backend' })).toBe(0);
    expect(value('orchestrator_queue_jobs', { state: 'completed' })).toBeGreaterThan(0);
    expect(value('orchestrator_queue_jobs', { state: 'active' })).toBe(0);
    expect(value('orchestrator_slack_api_calls_total', { method: 'chat.postMessage', outcome: 'ok' })).toBeGreaterThan(
      0,
    );
    expect(value('orchestrator_slack_api_duration_seconds_count', { method: 'chat.update' })).toBeGreaterThan(0);
    expect(value('orchestrator_build_info', { version: '0.1.0', node: process.versions.node })).toBe(1);
    expect(
      value('http_request_duration_seconds_count', { method: 'POST', route: '/webhooks/slack', status_code: '200' }),
    ).toBeGreaterThan(0);
    expect(value('orchestrator_webhook_duration_seconds_count', { bot: 'backend', status: '200' })).toBeGreaterThan(0);
    expect(
      value('orchestrator_slack_events_total', { bot: 'backend', type: 'message', outcome: 'ignored_bot' }),
    ).toBeGreaterThan(0);
    expect(value('orchestrator_claude_turns_count', { bot: 'backend' })).toBeGreaterThan(0);
  });

  it('keeps every secret out of the logs, and prompts too unless LOG_PROMPTS is on', () => {
    const logs = app.logs.join('\n');
    expect(logs).toContain('"msg":"job finished"');
    for (const secret of [...SECRETS, ANTHROPIC_TEST_KEY]) expect(logs).not.toContain(secret);
    expect(logs).not.toContain('remember the number 42');
    const jobLines = app.logs.filter((line) => line.includes('"msg":"job finished"'));
    expect(jobLines.length).toBeGreaterThan(0);
    for (const line of jobLines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect([typeof record.bot, typeof record.jobId, typeof record.eventId]).toEqual(['string', 'string', 'string']);
    }
  });
});
