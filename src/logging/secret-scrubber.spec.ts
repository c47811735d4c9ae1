import { PassThrough } from 'node:stream';
import { SecretScrubber } from './secret-scrubber';

describe('SecretScrubber', () => {
  const scrubber = new SecretScrubber(['signing-secret-123', 'p@ss"word', 'abc']);

  it('hides every known secret, also JSON-escaped or URL-encoded', () => {
    const line = JSON.stringify({
      msg: 'failed with signing-secret-123',
      url: 'redis://:p%40ss%22word@host',
      raw: 'p@ss"word',
    });
    const scrubbed = scrubber.scrub(line);
    expect(scrubbed).not.toMatch(/signing-secret-123|p%40ss|ss\\"word/);
    expect(scrubbed.match(/\[REDACTED\]/g)).toHaveLength(3);
  });

  it('hides Slack tokens and Anthropic keys it was not told about', () => {
    expect(scrubber.scrub('token xoxb-1234-5678-abcdef')).toBe('token [REDACTED]');
    expect(scrubber.scrub('app xapp-1-A0123-4567-abcdef and key sk-ant-api03-AbC_dEf-123')).toBe(
      'app [REDACTED] and key [REDACTED]',
    );
  });

  it('leaves short values alone, so that common words survive', () => {
    expect(scrubber.scrub('abc')).toBe('abc');
  });

  it('scrubs what goes through its stream', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const stream = scrubber.wrap(sink);
    await new Promise<void>((resolve) => stream.write('{"msg":"signing-secret-123"}\n', () => resolve()));
    expect(chunks.join('')).toBe('{"msg":"[REDACTED]"}\n');
  });
});
