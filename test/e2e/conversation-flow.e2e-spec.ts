import { existsSync } from 'node:fs';
import { IDS, mention, threadReply } from '../factories';
import { contentOf, PROGRESS, ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import { BOTS, cliRecords, FRONTEND_CHANNEL, processAlive, type TestApp, waitFor, type Workspace } from '../utils';
import { type Stack, startStack } from '../stack';

const DB = 7;

describe('conversations: progress, long answers, stop, cost and budget', () => {
  let stack: Stack;
  let slack: FakeSlackServer;
  let app: TestApp;
  let workspace: Workspace;
  let threads: ThreadReader;

  beforeAll(async () => {
    stack = await startStack(DB, {
      workspace: { frontendExtra: '    budgetUsdPerDay: 0.02' },
      env: { RATE_LIMIT_MAX_REQUESTS: '100' },
    });
    ({ slack, app, workspace, threads } = stack);
  });

  afterAll(() => stack.close());

  const send: Stack['send'] = (event, bot) => stack.send(event, bot);
  const repliesIn = (channel: string, threadTs: string) => threads.repliesIn(channel, threadTs);
  const finishedReplies = (channel: string, threadTs: string, count = 1) =>
    threads.finishedReplies(channel, threadTs, count);
  const runsFor = (text: string) => threads.runsFor(text);
  const updatesOf = (ts: string) =>
    slack.calls('chat.update').filter((call) => call.args.ts === ts && call.status === 200);
  const fencesBalanced = (text: string) => (text.match(/^\s*```/gm) ?? []).length % 2 === 0;

  it('shows throttled progress in one message that then becomes the answer', async () => {
    const event = mention('work a while [[sleep:4000]]');
    await send(event);
    const [reply] = await finishedReplies(IDS.channel, event.ts!);
    expect(contentOf(reply)).toBe('Fake Claude answer (turn 1 of session): work a while [[sleep:4000]]');
    const posts = slack.calls('chat.postMessage').filter((call) => call.args.thread_ts === event.ts);
    expect(posts).toHaveLength(1);
    expect(String(posts[0].args.text)).toMatch(PROGRESS);
    const updates = updatesOf(reply.ts);
    const progress = updates.filter((call) => typeof call.args.text === 'string' && PROGRESS.test(call.args.text));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(4);
    expect(progress.some((call) => /Running `|Reading `/.test(String(call.args.text)))).toBe(true);
    expect(String(progress.at(-1)!.args.text)).toMatch(/\d+ steps? · \d+ s$/);
    for (let i = 1; i < progress.length; i++) expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(1_400);
    expect(updates.at(-1)!.args.markdown_text).toBe(contentOf(reply));
  });

  it('does not lose the answer when Slack rate-limits chat.update', async () => {
    slack.failNext('chat.update', { error: 'ratelimited' }, 2);
    slack.failNext('chat.update', { status: 429, retryAfter: 1 }, 1);
    const event = mention('answer despite rate limits');
    await send(event);
    const [reply] = await finishedReplies(IDS.channel, event.ts!);
    expect(contentOf(reply)).toContain('answer despite rate limits');
    expect(repliesIn(IDS.channel, event.ts!)).toHaveLength(1);
    expect(slack.calls('chat.update').filter((call) => call.error === 'ratelimited').length).toBeGreaterThanOrEqual(2);
  });

  it('delivers a 30,000-character answer whole, in valid parts', async () => {
    const event = mention('a long one [[long:30000]]');
    await send(event);
    const replies = await finishedReplies(IDS.channel, event.ts!, 3);
    const parts = replies.map(contentOf);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(12_000);
      expect(fencesBalanced(part)).toBe(true);
    }
    // Cuts drop the blank line they fall on and add a closing and reopening fence: nothing else changes.
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    expect(total).toBeGreaterThan(29_900);
    expect(total).toBeLessThan(30_100);
    const posted = slack
      .calls('chat.postMessage')
      .filter((call) => call.args.thread_ts === event.ts && call.args.markdown_text);
    expect(posted.length).toBe(parts.length - 1);
  });

  it('attaches an answer too long for the thread as a file, behind a short head', async () => {
    const event = mention('a very long one [[long:70000]]');
    await send(event);
    const [head] = await finishedReplies(IDS.channel, event.ts!);
    expect(contentOf(head)).toContain('the whole answer (70,000 characters) is attached as a file');
    expect(contentOf(head).length).toBeLessThan(3_000);
    const file = await waitFor(() => slack.files(IDS.channel).find((stored) => stored.thread_ts === event.ts), {
      message: 'the uploaded answer',
    });
    expect(file.content.toString('utf8')).toHaveLength(70_000);
    expect(file.name).toBe('answer.md');
  });

  it('stops a running job when the asker reacts with :octagonal_sign:', async () => {
    const event = mention('long task to stop [[sleep:30000]]', { user: 'U0STOPPER1' });
    await send(event);
    const [run] = await waitFor(() => (runsFor('long task to stop').length ? runsFor('long task to stop') : undefined));
    await send({
      type: 'reaction_added',
      user: 'U0STOPPER1',
      reaction: 'octagonal_sign',
      item: { type: 'message', channel: IDS.channel, ts: event.ts },
    });
    const [reply] = await finishedReplies(IDS.channel, event.ts!);
    expect(contentOf(reply)).toBe(':octagonal_sign: Stopped by <@U0STOPPER1>.');
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
    await waitFor(() => slack.reactions(IDS.channel, event.ts!).includes('octagonal_sign'), {
      message: 'the stop reaction',
    });
  });

  it('ignores its own ❌ reaction on a message it is working on', async () => {
    const event = mention('not yours to stop [[sleep:1500]]', { user: 'U0OWNER001' });
    await send(event);
    await waitFor(() => runsFor('not yours to stop').length === 1, { message: 'the run to start' });
    await send({
      type: 'reaction_added',
      user: IDS.botUser,
      reaction: 'x',
      item: { type: 'message', channel: IDS.channel, ts: event.ts },
    });
    const [reply] = await finishedReplies(IDS.channel, event.ts!);
    expect(contentOf(reply)).toContain('Fake Claude answer');
  });

  it('stops the running and the queued jobs of a thread on "stop"', async () => {
    const parent = mention('first of a busy thread [[sleep:30000]]', { user: 'U0THREADST' });
    await send(parent);
    const [run] = await waitFor(() =>
      runsFor('first of a busy thread').length ? runsFor('first of a busy thread') : undefined,
    );
    await send(threadReply(parent.ts!, 'queued follow-up', { user: 'U0THREADST' }));
    await send(threadReply(parent.ts!, 'stop', { user: 'U0THREADST' }));
    const [reply] = await finishedReplies(IDS.channel, parent.ts!);
    expect(contentOf(reply)).toBe(':octagonal_sign: Stopped by <@U0THREADST>.');
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
    // The queued message never runs, and "stop" itself never became a job.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(runsFor('queued follow-up')).toHaveLength(0);
    expect(cliRecords(workspace).filter((record) => (record.stdin ?? '').trim() === 'stop')).toHaveLength(0);
    expect(repliesIn(IDS.channel, parent.ts!)).toHaveLength(1);
  });

  it('stops a queued job on "stop" and says so once', async () => {
    const parent = mention('blocker [[sleep:2500]]', { user: 'U0QUEUEST1' });
    await send(parent);
    await waitFor(() => runsFor('blocker').length === 1, { message: 'the blocker to run' });
    const other = mention('waiting behind', { user: 'U0QUEUEST1', thread_ts: parent.ts });
    await send(other);
    // While the first run holds the thread, the second waits; "stop" from another thread member...
    await send(threadReply(parent.ts!, 'STOP!', { user: 'U0QUEUEST1' }));
    const replies = await finishedReplies(IDS.channel, parent.ts!);
    expect(replies.map(contentOf)).toEqual([':octagonal_sign: Stopped by <@U0QUEUEST1>.']);
    expect(runsFor('waiting behind')).toHaveLength(0);
  });

  it('reads the thread so far when it is asked in a thread it has no session for', async () => {
    const earlier = Math.floor(Date.now() / 1000) - 600;
    const parentTs = slack.addUserMessage(IDS.channel, {
      user: IDS.bob,
      text: 'The deploy of 42 failed with a timeout.',
      ts: `${earlier}.000100`,
    });
    slack.addUserMessage(IDS.channel, {
      user: IDS.alice,
      text: 'I rolled it back at 10:05.',
      ts: `${earlier + 60}.000200`,
      thread_ts: parentTs,
    });
    const ask = mention('summarise this thread', { thread_ts: parentTs, user: 'U0SUMMARY1' });
    await send(ask);
    await finishedReplies(IDS.channel, parentTs);
    const [run] = runsFor('summarise this thread');
    expect(run.stdin).toBe(
      [
        'Earlier messages in this Slack thread:',
        `<@${IDS.bob}>: The deploy of 42 failed with a timeout.`,
        `<@${IDS.alice}>: I rolled it back at 10:05.`,
        '',
        'The new message:',
        'summarise this thread',
      ].join('\n'),
    );
  });

  it('hands the files of a message to the CLI and removes them afterwards', async () => {
    const file = slack.hostFile(
      'incident-notes.txt',
      Buffer.from('the database ran out of connections\n'),
      'text/plain',
    );
    const event = mention('what do the notes say?', { subtype: 'file_share', files: [file], user: 'U0FILEUSER' });
    await send(event);
    await finishedReplies(IDS.channel, event.ts!);
    const [run] = runsFor('what do the notes say?');
    const addDir = run.argv.find((arg) => arg.startsWith('--add-dir='));
    expect(addDir).toBeDefined();
    const dir = addDir!.slice('--add-dir='.length);
    expect(run.stdin).toContain(`${dir}/incident-notes.txt`);
    expect(run.stdin).toContain('The message came with these files');
    expect(existsSync(dir)).toBe(false);
  });

  it('logs each job cost, the difference of the cumulative total on resume', async () => {
    const parent = mention('what does it cost?');
    await send(parent);
    await finishedReplies(IDS.channel, parent.ts!);
    await send(threadReply(parent.ts!, 'and again?'));
    await finishedReplies(IDS.channel, parent.ts!, 2);
    const summariesOf = () =>
      app.logs
        .filter((line) => line.includes('"msg":"job finished"'))
        .map(
          (line) =>
            JSON.parse(line) as { threadTs: string; costUsd: number; turns: number; tokens: Record<string, number> },
        )
        .filter((summary) => summary.threadTs === parent.ts);
    // The summary is written just after the answer is posted.
    const summaries = await waitFor(() => (summariesOf().length === 2 ? summariesOf() : undefined), {
      message: 'two job summaries',
    });
    for (const summary of summaries) {
      expect(summary.costUsd).toBeCloseTo(0.0132, 6);
      expect(summary.turns).toBeGreaterThan(0);
      expect(summary.tokens.output).toBeGreaterThan(0);
    }
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /orchestrator_claude_cost_usd_total\{bot="backend",model="[^"]+",app="orchestrator"\} 0\.\d+/,
    );
    expect(metrics).toMatch(
      /orchestrator_claude_tokens_total\{bot="backend",model="[^"]+",kind="output",app="orchestrator"\} [1-9]/,
    );
  });

  it('declines politely once a bot has spent its daily budget', async () => {
    const asFrontend = (text: string) =>
      mention(text, { channel: FRONTEND_CHANNEL, text: `<@${BOTS.frontend.identity.userId}> ${text}` });
    for (const text of ['budget one', 'budget two']) {
      const event = asFrontend(text);
      await send(event, 'frontend');
      await finishedReplies(FRONTEND_CHANNEL, event.ts!);
    }
    const third = asFrontend('budget three');
    await send(third, 'frontend');
    const [reply] = await finishedReplies(FRONTEND_CHANNEL, third.ts!);
    expect(contentOf(reply)).toBe(
      ":money_with_wings: I have used up today's budget ($0.02). I can take new requests again after midnight UTC.",
    );
    expect(runsFor('budget three')).toHaveLength(0);
  });
});
