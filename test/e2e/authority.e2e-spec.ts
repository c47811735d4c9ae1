import { contentOf, ThreadReader } from '../conversation';
import { directMessage, fromOutsider, IDS, mention, stopReaction } from '../factories';
import {
  BOTS,
  cliRecords,
  FRONTEND_CHANNEL,
  metricValue,
  processAlive,
  type TestApp,
  waitFor,
  type Workspace,
} from '../utils';
import { type Stack, startStack } from '../stack';

const DB = 9;

describe('who may stop a job, and whom the bot answers', () => {
  let stack: Stack;
  let app: TestApp;
  let workspace: Workspace;
  let threads: ThreadReader;

  beforeAll(async () => {
    stack = await startStack(DB, {
      workspace: { backendExtra: `    admins: [${IDS.admin}]`, frontendExtra: '    allowExternalUsers: true' },
      env: { RATE_LIMIT_MAX_REQUESTS: '100' },
    });
    ({ app, workspace, threads } = stack);
  });

  afterAll(() => stack.close());

  const send: Stack['send'] = (event, bot) => stack.send(event, bot);
  const runsFor = (text: string) => threads.runsFor(text);
  const startedRun = (text: string) =>
    waitFor(() => runsFor(text)[0], { message: `the CLI run for "${text}" to start` });
  const eventsCounted = async (outcome: string) =>
    metricValue(await (await fetch(`${app.url}/metrics`)).text(), 'orchestrator_slack_events_total', {
      bot: 'backend',
      outcome,
    }) ?? 0;

  it('leaves a job running when another allowed user reacts to stop it, and answers', async () => {
    const asked = mention('not theirs to stop [[sleep:4000]]', { user: 'U0ASKER0001' });
    await send(asked);
    await startedRun('not theirs to stop');
    const refusedBefore = await eventsCounted('stop_refused');

    await send(stopReaction(asked.ts!, IDS.bob));

    expect(await eventsCounted('stop_refused')).toBe(refusedBefore + 1);
    const [reply] = await threads.finishedReplies(IDS.channel, asked.ts!);
    expect(contentOf(reply)).toBe('Fake Claude answer (turn 1 of session): not theirs to stop [[sleep:4000]]');
    expect(threads.repliesIn(IDS.channel, asked.ts!)).toHaveLength(1);
  });

  it.each([
    ['the asker', 'U0ASKER0002'],
    ['an admin', IDS.admin],
  ])('stops a running job when %s reacts to stop it', async (_who, stopper) => {
    const text = `stoppable by ${stopper} [[sleep:30000]]`;
    const asked = mention(text, { user: 'U0ASKER0002' });
    await send(asked);
    const run = await startedRun(text);

    await send(stopReaction(asked.ts!, stopper));

    const [reply] = await threads.finishedReplies(IDS.channel, asked.ts!);
    expect(contentOf(reply)).toBe(`:octagonal_sign: Stopped by <@${stopper}>.`);
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
  });

  it('gives no job to a mention from another organisation, unless the bot allows external users', async () => {
    const outsideBackend = fromOutsider(mention('from outside, to the backend'));
    await send(outsideBackend);
    expect(await eventsCounted('ignored_external')).toBe(1);

    const frontendMention = mention('from outside, to the frontend', {
      channel: FRONTEND_CHANNEL,
      text: `<@${BOTS.frontend.identity.userId}> from outside, to the frontend`,
    });
    await send(fromOutsider(frontendMention), 'frontend');
    const [reply] = await threads.finishedReplies(FRONTEND_CHANNEL, frontendMention.ts!);
    expect(contentOf(reply)).toContain('from outside, to the frontend');

    // The backend's decision was taken before its webhook answered, long before the frontend answered.
    expect(runsFor('from outside, to the backend')).toHaveLength(0);
    expect(threads.repliesIn(IDS.channel, outsideBackend.ts!)).toHaveLength(0);
  });

  it('stops the running DM job on "stop" in its DM thread, and starts no CLI for it', async () => {
    const channel = 'D0DMSTOP001';
    const asked = directMessage('long DM task [[sleep:30000]]', { channel, user: 'U0DMASKER01' });
    await send(asked);
    const run = await startedRun('long DM task');

    await send(directMessage('stop', { channel, user: 'U0DMASKER01', thread_ts: asked.ts }));

    const [reply] = await threads.finishedReplies(channel, asked.ts!);
    expect(contentOf(reply)).toBe(':octagonal_sign: Stopped by <@U0DMASKER01>.');
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
    expect(cliRecords(workspace).filter((record) => (record.stdin ?? '').trim() === 'stop')).toHaveLength(0);
  });

  it('stops the running DM job on "stop" at the top of the DM', async () => {
    const channel = 'D0DMSTOP002';
    const asked = directMessage('another long DM task [[sleep:30000]]', { channel, user: 'U0DMASKER02' });
    await send(asked);
    const run = await startedRun('another long DM task');

    const stop = directMessage('stop', { channel, user: 'U0DMASKER02' });
    await send(stop);

    const [reply] = await threads.finishedReplies(channel, asked.ts!);
    expect(contentOf(reply)).toBe(':octagonal_sign: Stopped by <@U0DMASKER02>.');
    await waitFor(() => !processAlive(run.pid), { message: 'the CLI to be gone' });
    expect(threads.repliesIn(channel, stop.ts!)).toHaveLength(0);
  });
});
