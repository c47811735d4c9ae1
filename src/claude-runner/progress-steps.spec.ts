import { SecretScrubber } from '../logging/secret-scrubber';
import { describeToolUse } from './progress-steps';

const tool = (name: string, input: unknown) => ({ type: 'tool_use' as const, id: 't', name, input });
const SECRET = 'tracker-token-0123456789abcdef';
const scrubber = new SecretScrubber([SECRET]);

describe('describeToolUse', () => {
  it.each([
    [tool('Read', { file_path: '/srv/repo/src/main.ts' }), 'Reading `src/main.ts`'],
    [tool('Bash', { command: 'npm test -- --runInBand\necho done' }), 'Running `npm test -- --runInBand`'],
    [tool('Grep', { pattern: 'PORT' }), 'Searching for `PORT`'],
    [tool('Edit', { file_path: '/elsewhere/x.ts' }), 'Editing `/elsewhere/x.ts`'],
    [tool('WebSearch', { query: 'nestjs bullmq' }), 'Searching the web for `nestjs bullmq`'],
    [tool('Mystery', {}), 'Using Mystery'],
  ])('describes %j', (block, line) => {
    expect(describeToolUse(block, '/srv/repo', scrubber)).toBe(line);
  });

  it('shortens long details and keeps backticks from breaking the code span', () => {
    const line = describeToolUse(tool('Bash', { command: `echo \`date\` ${'x'.repeat(100)}` }), '/srv/repo', scrubber);
    expect(line.length).toBeLessThan(80);
    expect(line.match(/`/g)).toHaveLength(2);
  });

  it('hides a secret before shortening, so that no part of it shows', () => {
    const command = `curl -s -H 'Authorization: Bearer ${SECRET}' https://tracker.example.com/api/issues`;
    expect(describeToolUse(tool('Bash', { command }), '/srv/repo', scrubber)).toBe(
      "Running `curl -s -H 'Authorization: Bearer [redacted]' https://track…`",
    );
  });
});
