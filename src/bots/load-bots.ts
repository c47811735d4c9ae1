import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type AppConfig, runsJobs } from '../config/config.types';
import type { BotConfig } from './bot.types';
import { BotDefaultsDto, BotDto } from './bots-file.dto';
import { BotsConfigError } from './bots.errors';

type Plain = Record<string, unknown>;

const TOP_LEVEL_KEYS = new Set(['defaults', 'bots']);

/** Builds the bot list from the bots file, or the single `default` bot from the environment. */
export function loadBots(config: AppConfig): BotConfig[] {
  const bots = config.botsConfigPath === undefined ? [singleBot(config)] : botsFromFile(config, config.botsConfigPath);
  assertUnique(bots);
  // Only where this process starts the CLI itself; an agent side in another container checks its own.
  if (runsJobs(config.role) && config.agentSocket === undefined) for (const bot of bots) assertDirectory(bot);
  return bots;
}

function singleBot(config: AppConfig): BotConfig {
  const { signingSecret, token, workingDirectory } = config.singleBot;
  if (signingSecret === undefined || token === undefined) {
    throw new BotsConfigError('SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are required when BOTS_CONFIG is not set');
  }
  return {
    id: 'default',
    signingSecret,
    token,
    workingDirectory,
    channels: [],
    users: [],
    admins: [],
    allowExternalUsers: false,
    directMessages: true,
    timeoutSeconds: config.jobTimeoutSeconds,
    claude: { env: {} },
  };
}

function botsFromFile(config: AppConfig, path: string): BotConfig[] {
  const document = readDocument(path);
  const env = config.interpolationSource;
  const defaults = validate(BotDefaultsDto, interpolate(document.defaults ?? {}, env, 'defaults'), 'defaults');
  return document.bots.map((entry, index) => {
    const label = botLabel(entry, index);
    const own = interpolate(entry, env, label) as Plain;
    const bot = validate(BotDto, own, label);
    return toBotConfig(bot, defaults, dirname(path), config.jobTimeoutSeconds);
  });
}

function readDocument(path: string): { defaults?: unknown; bots: unknown[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BotsConfigError(
      `BOTS_CONFIG ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const firstLine = (error as Error).message.split('\n')[0];
    throw new BotsConfigError(`BOTS_CONFIG ${path} is not valid YAML: ${firstLine}`, { cause: error });
  }
  if (!isPlain(document)) throw new BotsConfigError(`BOTS_CONFIG ${path} must be a mapping with a "bots" list`);
  const unknown = Object.keys(document).find((key) => !TOP_LEVEL_KEYS.has(key));
  if (unknown !== undefined) throw new BotsConfigError(`BOTS_CONFIG ${path}: unknown key "${unknown}"`);
  const { bots } = document;
  if (!Array.isArray(bots) || bots.length === 0) {
    throw new BotsConfigError(`BOTS_CONFIG ${path}: "bots" must be a non-empty list`);
  }
  return { defaults: document.defaults, bots };
}

function botLabel(entry: unknown, index: number): string {
  const id = isPlain(entry) && typeof entry.id === 'string' ? entry.id : `#${index + 1}`;
  return `bot "${id}"`;
}

/** Replaces `${NAME}` in every string; an unset variable names the bot and the variable. */
function interpolate(value: unknown, env: AppConfig['interpolationSource'], label: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) throw new BotsConfigError(`${label}: environment variable ${name} is not set`);
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env, label));
  if (isPlain(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env, label)]));
  }
  return value;
}

function validate<T extends object>(type: new () => T, value: unknown, label: string): T {
  if (!isPlain(value)) throw new BotsConfigError(`${label}: must be a mapping`);
  const instance = plainToInstance(type, value);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  const first = errors[0];
  if (first) throw new BotsConfigError(`${label}: ${describe(first)}`);
  return instance;
}

function describe(error: ValidationError, parent = ''): string {
  const path = parent === '' ? error.property : `${parent}.${error.property}`;
  const child = error.children?.[0];
  if (child) return describe(child, path);
  const constraint = Object.entries(error.constraints ?? {})[0];
  if (constraint === undefined) return `${path} is invalid`;
  const [kind, message] = constraint;
  return kind === 'whitelistValidation' ? `unknown key "${path}"` : message.replace(error.property, path);
}

function toBotConfig(bot: BotDto, defaults: BotDefaultsDto, baseDir: string, jobTimeoutSeconds: number): BotConfig {
  const env = cliEnvironment(bot.id, { ...defaults.claude?.env, ...bot.claude?.env });
  // DTO instances carry every declared field, set or not: only the set ones may override.
  const claude = { ...stripUndefined(defaults.claude ?? {}), ...stripUndefined(bot.claude ?? {}), env };
  const workingDirectory = bot.workingDirectory ?? defaults.workingDirectory;
  if (workingDirectory === undefined) throw new BotsConfigError(`bot "${bot.id}": workingDirectory is required`);
  return {
    id: bot.id,
    appId: bot.appId,
    signingSecret: bot.signingSecret,
    token: bot.token,
    workingDirectory: resolve(baseDir, workingDirectory),
    channels: bot.channels ?? defaults.channels ?? [],
    users: bot.users ?? defaults.users ?? [],
    admins: bot.admins ?? defaults.admins ?? [],
    allowExternalUsers: bot.allowExternalUsers ?? defaults.allowExternalUsers ?? false,
    directMessages: bot.directMessages ?? defaults.directMessages ?? true,
    timeoutSeconds: bot.timeoutSeconds ?? defaults.timeoutSeconds ?? jobTimeoutSeconds,
    ...optional('budgetUsdPerDay', bot.budgetUsdPerDay ?? defaults.budgetUsdPerDay),
    ...optional('runAs', bot.runAs ?? defaults.runAs),
    claude,
  };
}

/** YAML turns `FOO: 1` into a number; the CLI's environment only holds strings. */
function cliEnvironment(botId: string, env: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(env).map(([name, value]) => {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new BotsConfigError(`bot "${botId}": claude.env.${name} must be a string`);
    }
    return [name, String(value)] as const;
  });
  return Object.fromEntries(entries);
}

function assertUnique(bots: BotConfig[]): void {
  const ids = new Set<string>();
  const appIds = new Set<string>();
  for (const bot of bots) {
    if (ids.has(bot.id)) throw new BotsConfigError(`bot "${bot.id}": duplicate id`);
    ids.add(bot.id);
    if (bot.appId === undefined) continue;
    if (appIds.has(bot.appId)) throw new BotsConfigError(`bot "${bot.id}": duplicate appId ${bot.appId}`);
    appIds.add(bot.appId);
  }
}

function assertDirectory(bot: BotConfig): void {
  const isDirectory = statSync(bot.workingDirectory, { throwIfNoEntry: false })?.isDirectory() ?? false;
  if (!isDirectory) {
    throw new BotsConfigError(
      `bot "${bot.id}": workingDirectory ${bot.workingDirectory} does not exist or is not a directory`,
    );
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
