import { PassThrough } from 'node:stream';
import { botConfig } from '../../test/factories';
import { loadConfig } from '../config/load-config';
import { configuredSecrets, SecretScrubber } from './secret-scrubber';

describe('SecretScrubber', () => {
  const scrubber = new SecretScrubber(['signing-secret-123', 'p@ss"word', 'abc', 'tracker/token+42']);

  it('hides a secret embedded in text', () => {
    expect(scrubber.scrub('the deploy failed with signing-secret-123, try again')).toBe(
      'the deploy failed with [redacted], try again',
    );
  });

  it('hides a secret JSON-escaped or URL-encoded', () => {
    const line = JSON.stringify({
      msg: 'failed with signing-secret-123',
      url: 'redis://:p%40ss%22word@host',
      raw: 'p@ss"word',
    });
    const scrubbed = scrubber.scrub(line);
    expect(scrubbed).not.toMatch(/signing-secret-123|p%40ss|ss\\"word/);
    expect(scrubbed.match(/\[redacted\]/g)).toHaveLength(3);
    expect(scrubber.scrub('GET /hook?token=tracker%2Ftoken%2B42&page=2')).toBe('GET /hook?token=[redacted]&page=2');
  });

  it('hides several secrets in one text, each where it stood', () => {
    expect(scrubber.scrub('a signing-secret-123 b tracker/token+42 c signing-secret-123')).toBe(
      'a [redacted] b [redacted] c [redacted]',
    );
  });

  it('hides Slack tokens and Anthropic keys it was not told about', () => {
    expect(scrubber.scrub('token xoxb-1234-5678-abcdef')).toBe('token [redacted]');
    expect(scrubber.scrub('app xapp-1-A0123-4567-abcdef and key sk-ant-api03-AbC_dEf-123')).toBe(
      'app [redacted] and key [redacted]',
    );
  });

  it('leaves everything else exactly as it was, short values included', () => {
    const text = 'Here is the plan:\n\n```sh\nnpm test -- --abc\n```\n_p@ss_ and `signing-secret` (no number).';
    expect(scrubber.scrub(text)).toBe(text);
    expect(scrubber.scrub('abc')).toBe('abc');
  });

  it('scrubs every string of a structure and keeps its shape, numbers and buffers', () => {
    const file = Buffer.from('signing-secret-123');
    const args = {
      channel: 'C0123',
      markdown_text: 'key: signing-secret-123',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'xoxb-1234-5678-abcdef' } }],
      unfurl_links: false,
      count: 3,
      file,
    };
    expect(scrubber.scrubDeep(args)).toEqual({
      channel: 'C0123',
      markdown_text: 'key: [redacted]',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '[redacted]' } }],
      unfurl_links: false,
      count: 3,
      file,
    });
    expect(args.markdown_text).toBe('key: signing-secret-123');
  });

  it("scrubs an error's message and stack in place", () => {
    const error = new Error('could not post signing-secret-123');
    expect(scrubber.scrubError(error)).toBe(error);
    expect(error.message).toBe('could not post [redacted]');
    expect(error.stack).not.toContain('signing-secret-123');
  });

  it('scrubs what goes through its stream', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const stream = scrubber.wrap(sink);
    await new Promise<void>((resolve) => stream.write('{"msg":"signing-secret-123"}\n', () => resolve()));
    expect(chunks.join('')).toBe('{"msg":"[redacted]"}\n');
  });

  it("knows every bot's token, signing secret and CLI env, and the Redis password", () => {
    const config = loadConfig({
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      REDIS_URL: 'redis://:red%2Fpass@localhost:6379/0',
    });
    const bot = botConfig({ claude: { env: { TRACKER_TOKEN: 'tracker-value-1' } } });
    expect(configuredSecrets(config, [bot])).toEqual([
      bot.token,
      bot.signingSecret,
      'tracker-value-1',
      'red%2Fpass',
      'red/pass',
    ]);
  });
});
