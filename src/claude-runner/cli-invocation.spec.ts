import { botConfig } from '../../test/factories';
import { buildCliArgs, buildCliEnvironment } from './cli-invocation';
import { QUOTED_TEXT_RULE } from './prompt';

describe('buildCliArgs', () => {
  it('always asks for stream-json with --verbose in print mode, with the quoted-text rule', () => {
    expect(buildCliArgs(botConfig())).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--append-system-prompt',
      QUOTED_TEXT_RULE,
    ]);
  });

  it('keeps the quoted-text rule when it resumes a session', () => {
    expect(buildCliArgs(botConfig(), '5d0c3f0e-8a51-4c7e-9f0b-2b7c1e6a9d41').slice(-2)).toEqual([
      '--append-system-prompt',
      QUOTED_TEXT_RULE,
    ]);
  });

  it('passes every bot setting in the contract order, list flags in the = form', () => {
    const bot = botConfig({
      claude: {
        model: 'sonnet',
        maxTurns: 30,
        maxBudgetUsd: 2.5,
        permissionMode: 'acceptEdits',
        tools: ['Read', 'Grep', 'Glob', 'Bash'],
        allowedTools: ['Bash(git log:*)', 'Read'],
        disallowedTools: ['WebFetch'],
        appendSystemPrompt: 'You answer questions about the backend service.',
        env: {},
      },
    });
    expect(buildCliArgs(bot, '5d0c3f0e-8a51-4c7e-9f0b-2b7c1e6a9d41')).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--resume=5d0c3f0e-8a51-4c7e-9f0b-2b7c1e6a9d41',
      '--model',
      'sonnet',
      '--max-turns',
      '30',
      '--max-budget-usd',
      '2.5',
      '--permission-mode',
      'acceptEdits',
      '--tools=Read,Grep,Glob,Bash',
      '--allowedTools=Bash(git log:*),Read',
      '--disallowedTools=WebFetch',
      '--append-system-prompt',
      `You answer questions about the backend service.\n\n${QUOTED_TEXT_RULE}`,
    ]);
  });

  it('resumes only a session id that is a UUID, in the = form', () => {
    expect(() => buildCliArgs(botConfig(), '--dangerously-skip-permissions')).toThrow('is not a Claude session id');
    expect(() => buildCliArgs(botConfig(), '../../x')).toThrow('is not a Claude session id');
  });

  it('can take all tools away with an empty --tools', () => {
    expect(buildCliArgs(botConfig({ claude: { tools: [], env: {} } }))).toContain('--tools=');
  });
});

describe('buildCliEnvironment', () => {
  it('holds PATH, LANG and the bot variables only (the agent side adds HOME and the config folder)', () => {
    const bot = botConfig({ claude: { env: { ANTHROPIC_API_KEY: 'sk-ant-1', DISABLE_AUTOUPDATER: '1' } } });
    const base = { PATH: '/usr/bin', HOME: '/home/node', LANG: 'C.UTF-8' };
    expect(buildCliEnvironment(bot, base)).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      ANTHROPIC_API_KEY: 'sk-ant-1',
      DISABLE_AUTOUPDATER: '1',
    });
  });

  it('does not pass anything else of ours, even if handed more', () => {
    const base = { PATH: '/usr/bin', SLACK_BOT_TOKEN: 'xoxb-1', REDIS_URL: 'redis://x' } as Record<string, string>;
    expect(buildCliEnvironment(botConfig(), base)).toEqual({ PATH: '/usr/bin' });
  });
});
