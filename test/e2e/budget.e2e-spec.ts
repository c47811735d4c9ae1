import { Redis } from 'ioredis';
import { IDS, mention } from '../factories';
import { contentOf, ThreadReader } from '../conversation';
import { KEY_PREFIX } from '../../src/redis/redis.constants';
import { overBudgetLine } from '../../src/slack/reply-lines';
import { BOTS, cliRecords, FRONTEND_CHANNEL, metricValue, type TestApp, waitFor, type Workspace } from '../utils';
import { type Stack, startStack } from '../stack';

/** Shared with src/claude-runner/spend.repository.spec.ts, whose bots have random ids: only ours are cleared. */
const DB = 13;

async function clearBotKeys(db: number, botIds: readonly string[]): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db });
  try {
    for (const prefix of ['bull', ...botIds]) {
      for await (const keys of redis.scanStream({ match: `${KEY_PREFIX}:${prefix}:*`, count: 500 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length > 0) await redis.del(...keys);
      }
    }
  } finally {
    await redis.quit();
  }
}

describe('the daily budget, with jobs running at once and runs that fail', () => {
  let stack: Stack;
  let app: TestApp;
  let workspace: Workspace;
  let threads: ThreadReader;

  beforeAll(async () => {
    stack = await startStack(DB, {
      clear: (db) => clearBotKeys(db, [BOTS.backend.id, BOTS.frontend.id]),
      workspace: {
        backendExtra: '    budgetUsdPerDay: 3',
        // One job's cap is the whole budget.
        frontendExtra: '    budgetUsdPerDay: 1\n    claude:\n      maxBudgetUsd: 1',
      },
      env: { WORKER_CONCURRENCY: '8', RATE_LIMIT_MAX_REQUESTS: '100' },
    });
    ({ app, workspace, threads } = stack);
  });

  afterAll(() => stack.close());

  const send: Stack['send'] = (event, bot) => stack.send(event, bot);
  const asFrontend = (text: string) =>
    mention(text, { channel: FRONTEND_CHANNEL, text: `<@${BOTS.frontend.identity.userId}> ${text}` });

  it('warns once at start-up about a bot with a daily budget but no per-job cap', () => {
    const warnings = app.logs.filter((line) => line.includes('without claude.maxBudgetUsd'));
    expect(warnings.map((line) => (JSON.parse(line) as { bot: string }).bot)).toEqual([BOTS.backend.id]);
  });

  it('counts what a failed run cost: in the cost metric, and against the budget', async () => {
    const failing = mention('fail expensively [[max-turns]] [[cost:3]]');
    await send(failing, 'backend');
    const [failure] = await threads.finishedReplies(IDS.channel, failing.ts!);
    expect(contentOf(failure)).toMatch(/\(max_turns\)$/);
    const cost = () =>
      fetch(`${app.url}/metrics`)
        .then((response) => response.text())
        .then((metrics) => metricValue(metrics, 'orchestrator_claude_cost_usd_total', { bot: BOTS.backend.id }));
    // The metric is counted just after the thread is told.
    expect(await waitFor(cost, { message: 'the cost metric' })).toBe(3);

    const next = mention('is there budget left?');
    await send(next, 'backend');
    const [reply] = await threads.finishedReplies(IDS.channel, next.ts!);
    expect(contentOf(reply)).toBe(overBudgetLine(3));
    expect(threads.runsFor('is there budget left?')).toHaveLength(0);
  });

  it("lets exactly one of eight mentions at once run when one job's cap is the whole budget", async () => {
    const events = Array.from({ length: 8 }, (_, i) => asFrontend(`all at once ${i} [[sleep:1500]] [[cost:1]]`));
    await Promise.all(events.map((event) => send(event, 'frontend')));
    const replies = await Promise.all(
      events.map(async (event) => contentOf((await threads.finishedReplies(FRONTEND_CHANNEL, event.ts!))[0])),
    );
    expect(replies.filter((reply) => reply === overBudgetLine(1))).toHaveLength(7);
    expect(replies.filter((reply) => reply.startsWith('Fake Claude answer'))).toHaveLength(1);
    const runs = cliRecords(workspace).filter((run) => (run.stdin ?? '').includes('all at once'));
    expect(runs).toHaveLength(1);
  });
});
