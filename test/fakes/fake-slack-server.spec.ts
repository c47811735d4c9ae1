import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { FILE_DOWNLOAD_METHOD, FakeSlackServer, UPLOAD_METHOD } from './fake-slack-server';
import type { FakeBotIdentity } from './fake-slack-server';

const bot: FakeBotIdentity = {
  token: 'xoxb-fake-token',
  userId: 'U0BOT12345',
  botId: 'B0BOT67890',
  teamId: 'T0A1B2C3D4E',
  appId: 'A0B1C2D3E4F',
  name: 'incident-helper',
};
const CHANNEL = 'C0CHAN12345';
const TS_FORMAT = /^\d{10}\.\d{6}$/;

describe('FakeSlackServer against @slack/web-api', () => {
  const fake = new FakeSlackServer([bot]);
  let slack: WebClient;

  const client = (token: string | undefined): WebClient =>
    new WebClient(token, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });

  beforeAll(async () => {
    await fake.start();
    slack = client(bot.token);
  });
  afterEach(() => {
    fake.reset();
    fake.setStrictMessages(false);
  });
  afterAll(() => fake.stop());

  it('serves auth.test with the bot identity and checks the token', async () => {
    await expect(slack.auth.test()).resolves.toMatchObject({
      ok: true,
      user_id: bot.userId,
      bot_id: bot.botId,
      team_id: bot.teamId,
      app_id: bot.appId,
    });
    await expect(client(undefined).auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    await expect(client('xoxb-unknown').auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    expect(fake.calls('auth.test').map((call) => call.token)).toEqual([bot.token, undefined, 'xoxb-unknown']);
  });

  it('posts markdown_text in a thread and stores it', async () => {
    const parentTs = fake.addUserMessage(CHANNEL, { user: 'U0H1U2M3A4N', text: '<@U0BOT12345> why?' });

    const posted = await slack.chat.postMessage({
      channel: CHANNEL,
      thread_ts: parentTs,
      markdown_text: '**Because.**',
    });

    expect(posted.ts).toMatch(TS_FORMAT);
    expect(posted.message).toMatchObject({ bot_id: bot.botId, user: bot.userId, thread_ts: parentTs });
    expect(fake.messages(CHANNEL)).toEqual([
      expect.objectContaining({ ts: posted.ts, thread_ts: parentTs, markdown_text: '**Because.**' }),
    ]);
    const call = await fake.waitForCall('chat.postMessage');
    expect(call.args).toMatchObject({ channel: CHANNEL, thread_ts: parentTs, markdown_text: '**Because.**' });
  });

  it('answers postMessage errors like Slack', async () => {
    const post = (args: Record<string, unknown>) => slack.apiCall('chat.postMessage', args);
    await expect(post({ text: 'no channel' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(post({ channel: CHANNEL })).rejects.toMatchObject({ data: { error: 'no_text' } });
    await expect(post({ channel: CHANNEL, text: 'a', markdown_text: 'b' })).rejects.toMatchObject({
      data: { error: 'markdown_text_conflict' },
    });
    await expect(post({ channel: CHANNEL, markdown_text: 'x'.repeat(12_001) })).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    expect(fake.calls('chat.postMessage').map((call) => call.error)).toEqual([
      'channel_not_found',
      'no_text',
      'markdown_text_conflict',
      'msg_too_long',
    ]);
  });

  it('hands out unique, increasing ts per channel and parses blocks', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }];
    const first = await slack.chat.postMessage({ channel: CHANNEL, text: 'one', blocks });
    const second = await slack.chat.postMessage({ channel: CHANNEL, text: 'two' });

    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(fake.calls('chat.postMessage')[0].args.blocks).toEqual(blocks);
  });

  it('updates and deletes only messages the bot posted', async () => {
    const humanTs = fake.addUserMessage(CHANNEL, { user: 'U0H1U2M3A4N', text: 'hi' });
    const { ts } = await slack.chat.postMessage({ channel: CHANNEL, text: 'Working...' });

    await slack.chat.update({ channel: CHANNEL, ts: ts as string, text: 'Done' });
    const [updated] = fake.messages(CHANNEL);
    expect(updated).toMatchObject({ ts, text: 'Done', edited: { user: bot.userId } });

    await expect(slack.chat.update({ channel: CHANNEL, ts: humanTs, text: 'x' })).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
    await expect(slack.chat.update({ channel: CHANNEL, ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await slack.chat.delete({ channel: CHANNEL, ts: ts as string });
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it('tracks reactions, including on messages it never saw unless strict', async () => {
    const unseenTs = '1767225600.000100';
    await slack.reactions.add({ channel: CHANNEL, timestamp: unseenTs, name: 'eyes' });
    await expect(slack.reactions.add({ channel: CHANNEL, timestamp: unseenTs, name: 'eyes' })).rejects.toMatchObject({
      data: { error: 'already_reacted' },
    });
    expect(fake.reactions(CHANNEL, unseenTs)).toEqual(['eyes']);

    await slack.reactions.remove({ channel: CHANNEL, timestamp: unseenTs, name: 'eyes' });
    expect(fake.reactions(CHANNEL, unseenTs)).toEqual([]);
    await expect(slack.reactions.remove({ channel: CHANNEL, timestamp: unseenTs, name: 'eyes' })).rejects.toMatchObject(
      {
        data: { error: 'no_reaction' },
      },
    );

    fake.setStrictMessages(true);
    await expect(slack.reactions.add({ channel: CHANNEL, timestamp: unseenTs, name: 'eyes' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('returns a thread from conversations.replies', async () => {
    const parentTs = fake.addUserMessage(CHANNEL, { user: 'U0H1U2M3A4N', text: 'question' });
    const reply = await slack.chat.postMessage({ channel: CHANNEL, thread_ts: parentTs, text: 'answer' });

    const thread = await slack.conversations.replies({ channel: CHANNEL, ts: reply.ts as string });

    expect(thread.messages).toEqual([
      expect.objectContaining({ ts: parentTs, reply_count: 1, latest_reply: reply.ts }),
      expect.objectContaining({ ts: reply.ts, text: 'answer', parent_user_id: 'U0H1U2M3A4N' }),
    ]);
    await expect(slack.conversations.replies({ channel: CHANNEL, ts: '1.000001' })).rejects.toMatchObject({
      data: { error: 'thread_not_found' },
    });
  });

  it('supports filesUploadV2 with content', async () => {
    const parentTs = fake.addUserMessage(CHANNEL, { user: 'U0H1U2M3A4N', text: 'long one please' });

    const result = await slack.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: parentTs,
      content: '# Answer\n\nlong text',
      filename: 'answer.md',
      title: 'Full answer',
      initial_comment: 'The answer is attached.',
    });

    expect(result.ok).toBe(true);
    const [file] = fake.files(CHANNEL);
    expect(file).toMatchObject({ name: 'answer.md', title: 'Full answer', thread_ts: parentTs });
    expect(file.content.toString('utf8')).toBe('# Answer\n\nlong text');
    expect(fake.calls().map((call) => call.method)).toEqual([
      'files.getUploadURLExternal',
      UPLOAD_METHOD,
      'files.completeUploadExternal',
    ]);
    expect(fake.messages(CHANNEL)).toEqual([
      expect.objectContaining({ thread_ts: parentTs, text: 'The answer is attached.', files: [expect.anything()] }),
    ]);
  });

  it('surfaces an injected 429 as WebAPIRateLimitedError', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });

    const error = await slack.chat.postMessage({ channel: CHANNEL, text: 'hi' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
    await expect(slack.chat.postMessage({ channel: CHANNEL, text: 'hi' })).resolves.toMatchObject({ ok: true });
  });

  it('surfaces an injected ok:false as WebAPIPlatformError and a 5xx as WebAPIHTTPError', async () => {
    fake.failNext('reactions.add', { error: 'not_in_channel' });
    fake.failNext('reactions.add', { status: 503 });
    const react = () => slack.reactions.add({ channel: CHANNEL, timestamp: '1767225600.000100', name: 'eyes' });

    const platform = await react().catch((e: unknown) => e);
    const http = await react().catch((e: unknown) => e);

    expect(platform).toBeInstanceOf(WebAPIPlatformError);
    expect((platform as WebAPIPlatformError).data.error).toBe('not_in_channel');
    expect(http).toBeInstanceOf(WebAPIHTTPError);
    expect((http as WebAPIHTTPError).statusCode).toBe(503);
    expect(fake.calls('reactions.add').map((call) => call.status)).toEqual([200, 503]);
  });

  it('drops connections while unreachable', async () => {
    fake.setUnreachable(true);
    const error = await slack.auth.test().catch((e: unknown) => e);
    fake.setUnreachable(false);

    expect(error).toBeInstanceOf(WebAPIRequestError);
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('waits for future calls and explains timeouts', async () => {
    const waiting = fake.waitForCall('chat.postMessage', (call) => call.args.text === 'later');
    await slack.chat.postMessage({ channel: CHANNEL, text: 'sooner' });
    await slack.chat.postMessage({ channel: CHANNEL, text: 'later' });
    await expect(waiting).resolves.toMatchObject({ args: { text: 'later' } });

    const timeout = fake.waitForCall('chat.update', undefined, 50);
    await expect(timeout).rejects.toThrow('waiting for 1 chat.update call(s); 0 matched. Calls seen:');
    await expect(timeout).rejects.toThrow('  chat.postMessage channel=C0CHAN12345 text="sooner" -> ok');
  });

  it('serves a hosted file to a bot token and sends anyone else to the sign-in page', async () => {
    const file = fake.hostFile('notes.txt', Buffer.from('hello file'), 'text/plain');
    const get = (url: string, token?: string) =>
      fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });

    const ok = await get(file.url_private_download, bot.token);
    const anonymous = await get(file.url_private);
    const stranger = await get(file.url_private, 'xoxb-unknown');
    const signIn = await fetch(new URL(anonymous.headers.get('location') ?? '', file.url_private));

    expect(file).toMatchObject({ name: 'notes.txt', mimetype: 'text/plain', filetype: 'txt', size: 10 });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain');
    expect(await ok.text()).toBe('hello file');
    expect([anonymous.status, stranger.status]).toEqual([302, 302]);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-type')).toMatch(/^text\/html/);
    expect(fake.calls(FILE_DOWNLOAD_METHOD).map((call) => [call.token, call.status])).toEqual([
      [bot.token, 200],
      [undefined, 302],
      ['xoxb-unknown', 302],
    ]);
  });

  it('redirects a hosted file where asked, and can fail its download', async () => {
    const file = fake.hostFile('big.bin', Buffer.alloc(4), undefined, { redirectTo: 'https://cdn.invalid/big.bin' });
    fake.failNext(FILE_DOWNLOAD_METHOD, { status: 500 });
    const get = () =>
      fetch(file.url_private, { headers: { authorization: `Bearer ${bot.token}` }, redirect: 'manual' });

    const failed = await get();
    const redirected = await get();

    expect(file.mimetype).toBe('application/octet-stream');
    expect(failed.status).toBe(500);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe('https://cdn.invalid/big.bin');
  });

  it('answers unknown methods with unknown_method', async () => {
    await expect(slack.apiCall('chat.nonsense')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });
});
