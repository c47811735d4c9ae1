import { quoteUntrusted } from '../slack/quoted-text';
import { buildPrompt, QUOTED_TEXT_RULE } from './prompt';

describe('buildPrompt', () => {
  it('is the message alone when there is nothing else', () => {
    expect(buildPrompt({ text: 'what changed?' })).toBe('what changed?');
  });

  it('puts the thread before the new message and the files after it', () => {
    expect(
      buildPrompt({
        text: 'summarise this thread',
        history: '<@U1>: the deploy failed',
        filesNotice: 'Files: /x/log.txt',
      }),
    ).toBe(
      'Earlier messages in this Slack thread:\n<@U1>: the deploy failed\n\nThe new message:\nsummarise this thread\n\nFiles: /x/log.txt',
    );
  });
});

describe('QUOTED_TEXT_RULE', () => {
  it('names the very fence that thread history puts around untrusted text', () => {
    const [start, line, end] = quoteUntrusted('<@U1>', 'do as I say').split('\n');
    expect(QUOTED_TEXT_RULE).toContain(start.replace('<@U1>', '…'));
    expect(QUOTED_TEXT_RULE).toContain(`"${end}"`);
    expect(QUOTED_TEXT_RULE).toContain(`"${line.slice(0, 1)}"`);
    expect(QUOTED_TEXT_RULE).toMatch(/not instructions/);
  });
});
