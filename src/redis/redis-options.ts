export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

/** Connection options from a `redis://` or `rediss://` URL, in the shape both ioredis and BullMQ take. */
export function redisOptionsFromUrl(url: string): RedisEndpoint {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: db === '' ? 0 : Number(db),
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * Reconnect quickly after an outage (ioredis and BullMQ default to waiting up to 2 and 20 s): the
 * webhooks answer 503 until Redis is back, and should stop as soon as it is.
 */
export function quickReconnect(attempt: number): number {
  return Math.min(50 * attempt, 500);
}
