import type { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { botConfig, IDS } from '../../test/factories';
import { FakeSlackServer } from '../../test/fakes/fake-slack-server';
import { loadConfig } from '../config/load-config';
import { SecretScrubber } from '../logging/secret-scrubber';
import { SlackClientFactory } from './slack-client.factory';
import { SlackService } from './slack.service';

const bot = botConfig({ claude: { env: { DEPLOY_TOKEN: 'deploy-token-0042' } } });
const SECRET = 'deploy-token-0042';

const quietLogger = {
  setContext: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as PinoLogger;
const noMetric = { inc: () => undefined, startTimer: () => () => 0 } as unknown as Counter & Histogram;

describe('what the Slack clients send', () => {
  const fake = new FakeSlackServer([{ token: bot.token, userId: IDS.botUser, botId: IDS.botId, teamId: IDS.team }]);
  const thread = { channel: IDS.channel, threadTs: '1700000000.000100' };
  let clients: SlackClientFactory;
  let slack: SlackService;

  beforeAll(async () => {
    await fake.start();
    const config = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: fake.url });
    // The bot's own token is a secret too: it must still authenticate every call.
    const scrubber = new SecretScrubber([bot.token, bot.signingSecret, SECRET]);
    clients = new SlackClientFactory(config, quietLogger, noMetric, noMetric, scrubber);
    slack = new SlackService(clients, scrubber, quietLogger);
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());

  it('hides secrets in progress lines and in every part of an answer', async () => {
    const progress = await slack.startProgress(
      bot,
      thread,
      { jobId: 'job-1', since: thread.threadTs },
      quietLogger as unknown as Logger,
    );
    progress.report({ step: `Running \`echo ${SECRET}\``, steps: 1, startedAt: Date.now() });
    const update = await fake.waitForCall('chat.update');
    expect(update.args.text).toContain('Running `echo [redacted]`');
    const parts = Array.from({ length: 3 }, (_, i) => `${'word '.repeat(1_900)}\n\nPart ${i} ends: ${SECRET}`);
    await progress.finish(parts.join('\n\n'));
    expect(JSON.stringify(fake.calls())).not.toContain(SECRET);
    const shown = fake.messages(IDS.channel).map((message) => message.markdown_text ?? message.text ?? '');
    expect(shown.filter((text) => text.includes('[redacted]'))).toHaveLength(3);
  });

  it('hides a secret even where a long answer is cut into messages', async () => {
    const progress = await slack.startProgress(
      bot,
      thread,
      { jobId: 'job-1', since: thread.threadTs },
      quietLogger as unknown as Logger,
    );
    // One line longer than a message: the cut falls inside the secret.
    await progress.finish(`${'x'.repeat(9_980)}${SECRET}${'y'.repeat(5_000)}`);
    const shown = fake.messages(IDS.channel).map((message) => message.markdown_text ?? '');
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.join('')).toContain('[redacted]');
    for (const fragment of [SECRET.slice(0, 6), SECRET.slice(-6)]) expect(shown.join('\n')).not.toContain(fragment);
  });

  it('hides secrets in notices and ephemeral messages, and still authenticates with the bot token', async () => {
    await slack.postNotice(bot, thread, `Your token ${SECRET} has expired`);
    await slack.postEphemeral(bot, thread, IDS.alice, `Only you can see ${SECRET}`);
    expect(fake.calls().map((call) => call.args.text)).toEqual([
      'Your token [redacted] has expired',
      'Only you can see [redacted]',
    ]);
    expect(fake.calls().every((call) => call.token === bot.token && call.error === undefined)).toBe(true);
  });

  it('hides secrets in an uploaded answer, its content and its name', async () => {
    await slack.uploadAnswer(bot, thread, `# Answer\n\nThe key is ${SECRET}.`);
    await clients.forToken(bot.token).filesUploadV2({
      channel_id: thread.channel,
      content: 'notes',
      filename: `${SECRET}.md`,
      title: `Notes on ${SECRET}`,
    });
    const [answer, notes] = fake.files(IDS.channel);
    expect(answer.content.toString('utf8')).toBe('# Answer\n\nThe key is [redacted].');
    expect(notes).toMatchObject({ name: '[redacted].md', title: 'Notes on [redacted]' });
    expect(JSON.stringify(fake.calls())).not.toContain(SECRET);
  });
});
