import { Redis } from 'ioredis';
import { gunzipSync } from 'node:zlib';
import { IDS, mention } from '../factories';
import { contentOf, PROGRESS, ThreadReader } from '../conversation';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import type { SlackMessageEvent } from '../../src/webhooks/slack-events.types';
import { ANTHROPIC_TEST_KEY, SECRETS, waitFor } from '../utils';
import { type Stack, startStack } from '../stack';

const DB = 12;
/** A secret of the bot's CLI environment with no shape the scrubber would know it by. */
const DEPLOY_TOKEN = 'deploy-token-e2e-0042';
const ALL_SECRETS = [ANTHROPIC_TEST_KEY, DEPLOY_TOKEN, ...SECRETS];

/** Every key of the database with the text of its values, whatever the key's type. */
async function redisContents(db: number): Promise<Map<string, string[]>> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db });
  const contents = new Map<string, string[]>();
  try {
    for await (const keys of redis.scanStream({ count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) contents.set(key, await valuesOf(redis, key));
    }
  } finally {
    await redis.quit();
  }
  return contents;
}

async function valuesOf(redis: Redis, key: string): Promise<string[]> {
  switch (await redis.type(key)) {
    case 'string':
      return [(await redis.get(key)) ?? ''];
    case 'hash': {
      // A session's transcript is kept gzipped: what it says is what counts.
      const fields = Object.entries(await redis.hgetallBuffer(key));
      return fields.flatMap(([field, value]) => [
        field,
        field === 'gzip' ? gunzipSync(value).toString() : value.toString(),
      ]);
    }
    case 'list':
      return redis.lrange(key, '0', '-1');
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream':
      return (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
    default:
      return [];
  }
}

describe('nothing the service posts to Slack or keeps in Redis holds a secret', () => {
  let stack: Stack;
  let slack: FakeSlackServer;
  let threads: ThreadReader;

  beforeAll(async () => {
    stack = await startStack(DB, { workspace: { backendExtra: `      env:\n        DEPLOY_TOKEN: ${DEPLOY_TOKEN}` } });
    ({ slack, threads } = stack);
  });

  afterAll(() => stack.close());

  const send: Stack['send'] = (event, bot) => stack.send(event, bot);
  const answered = (event: SlackMessageEvent) =>
    waitFor(() => slack.reactions(IDS.channel, event.ts!).includes('white_check_mark'), { message: '✅' });
  /** What every call carried besides its token, which authenticates it. */
  const everythingSlackGot = () =>
    JSON.stringify([
      slack.calls().map((call) => call.args),
      slack.messages(IDS.channel),
      slack.files().map((file) => ({ ...file, content: file.content.toString('utf8') })),
    ]);

  it('shows [redacted] where the CLI printed its API key, in progress lines and in the answer', async () => {
    const event = mention('what are your keys? [[print-env:ANTHROPIC_API_KEY]] [[print-env:DEPLOY_TOKEN]]');
    await send(event);
    const [reply] = await threads.finishedReplies(IDS.channel, event.ts!);
    await answered(event);
    const [run] = threads.runsFor('what are your keys?');
    expect(run.env).toMatchObject({ ANTHROPIC_API_KEY: ANTHROPIC_TEST_KEY, DEPLOY_TOKEN });
    const progress = slack
      .calls('chat.update')
      .filter((call) => call.args.ts === reply.ts && PROGRESS.test(String(call.args.text)));
    expect(progress.map((call) => call.args.text)).toContainEqual(expect.stringContaining('Running `echo [redacted]`'));
    expect(contentOf(reply)).toMatch(/\n\nANTHROPIC_API_KEY=\[redacted\]\n\nDEPLOY_TOKEN=\[redacted\]$/);
    for (const secret of ALL_SECRETS) expect(everythingSlackGot()).not.toContain(secret);
  });

  it('shows [redacted] in an answer long enough to be attached as a file', async () => {
    const event = mention('write a lot [[long:60000]] [[print-env:ANTHROPIC_API_KEY]]');
    await send(event);
    await threads.finishedReplies(IDS.channel, event.ts!);
    await answered(event);
    const [file] = slack.files(IDS.channel).filter((stored) => stored.thread_ts === event.ts);
    expect(file.content.toString('utf8')).toMatch(/\n\nANTHROPIC_API_KEY=\[redacted\]$/);
    for (const secret of ALL_SECRETS) expect(everythingSlackGot()).not.toContain(secret);
  });

  it('keeps a secret pasted in a message out of the job, the prompt and the reply', async () => {
    const event = mention(`why is ${DEPLOY_TOKEN} refused?`);
    await send(event);
    const [reply] = await threads.finishedReplies(IDS.channel, event.ts!);
    await answered(event);
    const [run] = threads.runsFor('why is');
    expect(run.stdin).toBe('why is [redacted] refused?');
    expect(contentOf(reply)).toBe('Fake Claude answer (turn 1 of session): why is [redacted] refused?');
    for (const secret of ALL_SECRETS) expect(everythingSlackGot()).not.toContain(secret);
  });

  it('leaves no secret in any key or value of its Redis database', async () => {
    const contents = await redisContents(DB);
    const values = [...contents.values()].flat();
    expect(values.some((value) => value.includes('ANTHROPIC_API_KEY=[redacted]'))).toBe(true);
    for (const secret of ALL_SECRETS) {
      const holding = [...contents].filter(([key, texts]) => [key, ...texts].some((text) => text.includes(secret)));
      expect(holding.map(([key]) => key)).toEqual([]);
    }
  });
});
