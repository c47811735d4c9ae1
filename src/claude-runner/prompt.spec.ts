import { buildPrompt } from './prompt';

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
