import { ConfigError } from './config.errors';
import { loadConfig } from './load-config';

const single = { SLACK_SIGNING_SECRET: 'signing-secret-value', SLACK_BOT_TOKEN: 'xoxb-1-secret-token' };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig(single, '/srv');
    expect(config).toMatchObject({
      port: 3000,
      appName: 'orchestrator',
      debug: false,
      logLevel: 'info',
      redisUrl: 'redis://localhost:6379/0',
      role: 'all',
      botsConfigPath: undefined,
      slackApiUrl: 'https://slack.com/api/',
      claudeBin: 'claude',
      workerConcurrency: 4,
      jobTimeoutSeconds: 900,
      rateLimit: { maxRequests: 10, windowSeconds: 60 },
      sessionTtlSeconds: 604800,
      dataDir: '/srv/data',
      shutdownGraceSeconds: 60,
      logPrompts: false,
      singleBot: { workingDirectory: '/srv' },
    });
  });

  it('reads every variable with its type', () => {
    const config = loadConfig(
      {
        ...single,
        PORT: '8080',
        DEBUG: 'true',
        PROCESS_ROLE: 'worker',
        WORKER_CONCURRENCY: '2',
        RATE_LIMIT_MAX_REQUESTS: '3',
        LOG_PROMPTS: '1',
        BOTS_CONFIG: 'bots.yaml',
        CLAUDE_WORKING_DIRECTORY: 'repo',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      port: 8080,
      debug: true,
      logLevel: 'debug',
      role: 'worker',
      workerConcurrency: 2,
      rateLimit: { maxRequests: 3 },
      logPrompts: true,
      botsConfigPath: '/srv/bots.yaml',
      singleBot: { workingDirectory: '/srv/repo' },
    });
  });

  it('is read-only', () => {
    const config = loadConfig(single);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimit)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ PROCESS_ROLE: 'both' }, /^PROCESS_ROLE .*"both"/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
    [{ DEBUG: 'maybe' }, /^DEBUG /],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL /],
    [{ SLACK_API_URL: 'http://127.0.0.1:4010/api' }, /^SLACK_API_URL must end with \//],
    [{ WORKER_CONCURRENCY: '0' }, /^WORKER_CONCURRENCY /],
    [{ SESSION_TTL_SECONDS: '-1' }, /^SESSION_TTL_SECONDS /],
  ])('names the variable of a bad value: %p', (env, message) => {
    expect(errorOf({ ...single, ...env })).toMatch(message);
  });

  it('requires the single bot secrets without a bots file', () => {
    expect(errorOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe('SLACK_SIGNING_SECRET is required when BOTS_CONFIG is not set');
    expect(errorOf({ SLACK_SIGNING_SECRET: 'x' })).toBe('SLACK_BOT_TOKEN is required when BOTS_CONFIG is not set');
  });

  it('never repeats a secret value in its message', () => {
    expect(errorOf({ ...single, SLACK_BOT_TOKEN: 'not-a-token-but-secret' })).not.toContain('not-a-token-but-secret');
    expect(errorOf({ ...single, REDIS_URL: 'localhost:hunter2' })).not.toContain('hunter2');
  });
});
