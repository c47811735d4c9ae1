import { Writable } from 'node:stream';
import type { BotConfig } from '../bots/bot.types';
import type { AppConfig } from '../config/config.types';

const MIN_SECRET_LENGTH = 6;

/** What a secret becomes, in logs, in Slack and in Redis alike. */
export const REDACTED = '[redacted]';

/**
 * Secrets we were never told about (pasted in a prompt, printed by a tool, inside an error) are
 * hidden by their shape: Slack bot, user and app tokens, Anthropic keys.
 */
const SECRET_SHAPES = /\b(?:xox[abposre]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-ant-[A-Za-z0-9_-]{6,})/g;

/** Every secret value the process holds: bot tokens and signing secrets, each bot's CLI env, the Redis password. */
export function configuredSecrets(config: AppConfig, bots: readonly BotConfig[]): string[] {
  const redisPassword = new URL(config.redisUrl).password;
  return [
    ...bots.flatMap((bot) => [bot.token, bot.signingSecret, ...Object.values(bot.claude.env)]),
    ...(redisPassword === '' ? [] : [redisPassword, decodeURIComponent(redisPassword)]),
  ];
}

/**
 * Replaces every known secret, also JSON-escaped or URL-encoded, and anything shaped like one. Built
 * once from the configuration and injected wherever text leaves the service: log lines, Slack calls,
 * job data in Redis.
 */
export class SecretScrubber {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: readonly string[]) {
    const variants = secrets
      .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
      .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    const unique = [...new Set(variants)].sort((a, b) => b.length - a.length);
    this.pattern = unique.length === 0 ? undefined : new RegExp(unique.map(escapeRegExp).join('|'), 'g');
  }

  scrub(text: string): string {
    const known = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    return known.replace(SECRET_SHAPES, REDACTED);
  }

  /** A copy with every string scrubbed, through arrays and plain objects; other values (buffers, dates) stay as they are. */
  scrubDeep<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.scrubDeep(item)) as T;
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.scrubDeep(item)])) as T;
  }

  /** The same error, its message and stack scrubbed: what BullMQ keeps as a job's failure reason. */
  scrubError<T>(error: T): T {
    if (error instanceof Error) {
      error.message = this.scrub(error.message);
      if (error.stack !== undefined) error.stack = this.scrub(error.stack);
    }
    return error;
  }

  /** A stream that scrubs each line before handing it to `destination`. */
  wrap(destination: NodeJS.WritableStream): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        destination.write(this.scrub(chunk.toString()), callback);
      },
    });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
