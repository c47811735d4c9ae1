import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { BotsConfigError } from './bots.errors';
import { loadBots } from './load-bots';

const dir = mkdtempSync(join(tmpdir(), 'bots-spec-'));
mkdirSync(join(dir, 'backend'));
mkdirSync(join(dir, 'frontend'));

const secrets = {
  BACKEND_SECRET: 'backend-signing-secret',
  BACKEND_TOKEN: 'xoxb-backend-token',
  FRONTEND_SECRET: 'frontend-signing-secret',
  FRONTEND_TOKEN: 'xoxb-frontend-token',
  ANTHROPIC_API_KEY: 'sk-ant-test',
};

function botsFrom(yaml: string, env: Record<string, string> = secrets) {
  const path = join(dir, `bots-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return loadBots(loadConfig({ ...env, BOTS_CONFIG: path }, dir));
}

function errorOf(yaml: string, env?: Record<string, string>): string {
  try {
    botsFrom(yaml, env);
  } catch (error) {
    expect(error).toBeInstanceOf(BotsConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a bots file error');
}

const backend = `
  - id: backend
    appId: A0BACKEND01
    signingSecret: \${BACKEND_SECRET}
    token: \${BACKEND_TOKEN}
    workingDirectory: backend`;

describe('loadBots', () => {
  it('makes one default bot from the environment without a bots file', () => {
    const bots = loadBots(
      loadConfig(
        { SLACK_SIGNING_SECRET: 'secret-1', SLACK_BOT_TOKEN: 'xoxb-1', CLAUDE_WORKING_DIRECTORY: 'backend' },
        dir,
      ),
    );
    expect(bots).toEqual([
      expect.objectContaining({
        id: 'default',
        signingSecret: 'secret-1',
        token: 'xoxb-1',
        workingDirectory: join(dir, 'backend'),
        directMessages: true,
        timeoutSeconds: 900,
        admins: [],
        allowExternalUsers: false,
      }),
    ]);
  });

  it("takes admins and allowExternalUsers from defaults, a bot's own value winning", () => {
    const bots = botsFrom(`
defaults:
  admins: [U0ADMIN0001]
  allowExternalUsers: true
bots:${backend}
  - id: frontend
    signingSecret: \${FRONTEND_SECRET}
    token: \${FRONTEND_TOKEN}
    workingDirectory: frontend
    admins: [U0ADMIN0002, U0ADMIN0003]
    allowExternalUsers: false
`);
    expect(bots.map(({ admins, allowExternalUsers }) => ({ admins, allowExternalUsers }))).toEqual([
      { admins: ['U0ADMIN0001'], allowExternalUsers: true },
      { admins: ['U0ADMIN0002', 'U0ADMIN0003'], allowExternalUsers: false },
    ]);
  });

  it('interpolates variables, merges defaults and keeps per-bot values', () => {
    const bots = botsFrom(`
defaults:
  timeoutSeconds: 300
  claude: { model: sonnet, maxTurns: 10, env: { ANTHROPIC_API_KEY: "\${ANTHROPIC_API_KEY}" } }
bots:${backend}
    channels: [C0123ABCD]
    claude:
      maxTurns: 30
      tools: [Read, Grep]
      env: { DISABLE_AUTOUPDATER: 1 }
  - id: frontend
    signingSecret: \${FRONTEND_SECRET}
    token: \${FRONTEND_TOKEN}
    workingDirectory: ${join(dir, 'frontend')}
    directMessages: false
    timeoutSeconds: 60
`);
    expect(bots[0]).toEqual({
      id: 'backend',
      appId: 'A0BACKEND01',
      signingSecret: 'backend-signing-secret',
      token: 'xoxb-backend-token',
      workingDirectory: join(dir, 'backend'),
      channels: ['C0123ABCD'],
      users: [],
      admins: [],
      allowExternalUsers: false,
      directMessages: true,
      timeoutSeconds: 300,
      claude: {
        model: 'sonnet',
        maxTurns: 30,
        tools: ['Read', 'Grep'],
        env: { ANTHROPIC_API_KEY: 'sk-ant-test', DISABLE_AUTOUPDATER: '1' },
      },
    });
    expect(bots[1]).toMatchObject({
      id: 'frontend',
      directMessages: false,
      timeoutSeconds: 60,
      claude: { model: 'sonnet' },
    });
  });

  it.each([
    [
      'an unset variable',
      `bots:${backend}`,
      { BACKEND_SECRET: 'x' },
      'bot "backend": environment variable BACKEND_TOKEN is not set',
    ],
    ['an unknown key', `bots:${backend}\n    colour: blue`, secrets, 'bot "backend": unknown key "colour"'],
    [
      'an unknown claude key',
      `bots:${backend}\n    claude: { modle: opus }`,
      secrets,
      'bot "backend": unknown key "claude.modle"',
    ],
    ['an unknown top-level key', `bot:${backend}`, secrets, 'unknown key "bot"'],
    ['a bad id', `bots:${backend.replace('id: backend', 'id: Back End')}`, secrets, 'bot "Back End": id must be'],
    [
      'a duplicate id',
      `bots:${backend}${backend.replace('A0BACKEND01', 'A0OTHER0001')}`,
      secrets,
      'bot "backend": duplicate id',
    ],
    [
      'a duplicate appId',
      `bots:${backend}${backend.replace('id: backend', 'id: second')}`,
      secrets,
      'bot "second": duplicate appId A0BACKEND01',
    ],
    [
      'a missing working directory',
      `bots:${backend.replace('workingDirectory: backend', 'workingDirectory: nowhere')}`,
      secrets,
      'bot "backend": workingDirectory',
    ],
    [
      'a token that is no bot token',
      `bots:${backend}`,
      { ...secrets, BACKEND_TOKEN: 'hunter2' },
      'bot "backend": token must be a Slack bot token',
    ],
    [
      'a bad permission mode',
      `bots:${backend}\n    claude: { permissionMode: yolo }`,
      secrets,
      'bot "backend": claude.permissionMode',
    ],
    [
      'admins that are not a list',
      `bots:${backend}\n    admins: U0ADMIN0001`,
      secrets,
      'bot "backend": admins must be an array',
    ],
    [
      'an admin that is not a user id string',
      `bots:${backend}\n    admins: [U0ADMIN0001, 42]`,
      secrets,
      'bot "backend": each value in admins must be a string',
    ],
    [
      'an allowExternalUsers that is not a boolean',
      `bots:${backend}\n    allowExternalUsers: "yes"`,
      secrets,
      'bot "backend": allowExternalUsers must be a boolean value',
    ],
    [
      'a bad allowExternalUsers under defaults',
      `defaults:\n  allowExternalUsers: 1\nbots:${backend}`,
      secrets,
      'defaults: allowExternalUsers must be a boolean value',
    ],
    ['an empty list', 'bots: []', secrets, '"bots" must be a non-empty list'],
    ['broken YAML', 'bots: [', secrets, 'is not valid YAML'],
  ])('refuses %s with one line naming the bot', (_name, yaml, env, message) => {
    const error = errorOf(yaml, env);
    expect(error).toContain(message);
    expect(error).not.toContain('\n');
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadBots(loadConfig({ BOTS_CONFIG: join(dir, 'missing.yaml') }, dir))).toThrow(
      /BOTS_CONFIG .*missing\.yaml cannot be read: ENOENT/,
    );
  });
});
