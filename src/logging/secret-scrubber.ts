import { Writable } from 'node:stream';

const MIN_SECRET_LENGTH = 6;

/**
 * Secrets we were never told about (pasted in a prompt, printed by a tool, inside an error) are
 * hidden by their shape: Slack bot, user and app tokens, Anthropic keys.
 */
const SECRET_SHAPES = /\b(?:xox[abposre]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-ant-[A-Za-z0-9_-]{6,})/g;

/**
 * Replaces every known secret in a log line, whatever field or stack trace it slipped into. It works
 * on the serialized line so that nothing, not even a library's error message, can bypass it.
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
    const known = this.pattern ? text.replace(this.pattern, '[REDACTED]') : text;
    return known.replace(SECRET_SHAPES, '[REDACTED]');
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

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
