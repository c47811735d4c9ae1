import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { SlackBot } from './slack-bot';
import { formatBytes } from '../common/bytes';
import { AppConfig } from '../config/config.types';

/** A file attached to a message, as much of it as a download needs. No secret: the URL needs the token. */
export interface SlackFileRef {
  readonly id: string;
  readonly name: string;
  readonly mimetype?: string;
  readonly size?: number;
  /** `url_private_download`, else `url_private`. */
  readonly url: string;
}

/** A file as Slack's message events carry it (see slack.md §3.2). */
export interface SlackEventFile {
  readonly id: string;
  readonly name?: string;
  readonly title?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly url_private?: string;
  readonly url_private_download?: string;
  /** `external` (a link to Drive and the like), `tombstone` (deleted), `hidden_by_limit`: nothing to fetch. */
  readonly mode?: string;
}

export type DownloadOutcome = { bytes: number } | { skipped: 'too_large' | 'failed'; reason: string };

/** Origins that get the bot token besides the configured Web API's: where Slack serves `url_private`. */
const SLACK_FILE_ORIGINS = ['https://slack.com', 'https://files.slack.com'];

/** Slack sends `url_private` through one or two redirects to its CDN; more is a loop. */
const MAX_REDIRECTS = 5;

/** Longest one download may take, headers to last byte: 20 MiB takes seconds on any link Slack serves. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

const NOT_DOWNLOADABLE_MODES = new Set(['external', 'tombstone', 'hidden_by_limit']);

/** What the job can fetch of an event's file, or undefined when Slack offers nothing to download. */
export function slackFileRef(file: SlackEventFile): SlackFileRef | undefined {
  const url = file.url_private_download ?? file.url_private;
  if (url === undefined || (file.mode !== undefined && NOT_DOWNLOADABLE_MODES.has(file.mode))) return undefined;
  return {
    id: file.id,
    name: file.name ?? file.title ?? file.id,
    mimetype: file.mimetype,
    size: file.size,
    url,
  };
}

class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
}

/** Downloads files people attach to their messages, with the bot's token, never handing it to anyone else. */
@Injectable()
export class SlackFilesService {
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(
    config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SlackFilesService.name);
    this.trustedOrigins = new Set([...SLACK_FILE_ORIGINS, new URL(config.slackApiUrl).origin]);
  }

  /**
   * Streams the file to `destination`, which must not exist yet. Past `maxBytes` the download stops and
   * the partial file is removed. Never throws for what Slack or the network does: the job goes on
   * without the file and says so.
   */
  async download(bot: SlackBot, file: SlackFileRef, destination: string, maxBytes: number): Promise<DownloadOutcome> {
    if (file.size !== undefined && file.size > maxBytes) return tooLarge(maxBytes);
    const log = { bot: bot.id, fileId: file.id };
    const signal = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
    try {
      const response = await this.open(bot.token, file, signal);
      if (!(response instanceof Response)) {
        this.logger.warn({ ...log, reason: response.reason }, 'could not download a Slack file');
        return response;
      }
      if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
        await response.body?.cancel();
        return tooLarge(maxBytes);
      }
      return { bytes: await save(response, destination, maxBytes) };
    } catch (error) {
      if (error instanceof TooLargeError) return tooLarge(maxBytes);
      this.logger.warn({ ...log, err: error }, 'could not download a Slack file');
      return { skipped: 'failed', reason: describeFailure(error) };
    }
  }

  /**
   * Follows redirects by hand: the token goes only to Slack's own origins, never on to a CDN or anywhere
   * else a redirect points, and never over plain HTTP unless the configured Web API is (tests).
   */
  private async open(
    token: string,
    file: SlackFileRef,
    signal: AbortSignal,
  ): Promise<Response | { skipped: 'failed'; reason: string }> {
    let url = new URL(file.url);
    if (!this.trustedOrigins.has(url.origin)) return failed('its address is not a Slack file address');
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return failed('Slack redirected it off the web');
      const headers = this.trustedOrigins.has(url.origin) ? { authorization: `Bearer ${token}` } : undefined;
      const response = await fetch(url, { headers, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return failed(`Slack answered HTTP ${response.status}`);
      }
      if (isSignInPage(response, file)) {
        await response.body?.cancel();
        return failed('Slack answered with its sign-in page (does the app have the files:read scope?)');
      }
      return response;
    }
    return failed('Slack redirected it too many times');
  }
}

/** Through a counter that stops the stream past the limit; whatever went wrong, no partial file stays. */
async function save(response: Response, destination: string, maxBytes: number): Promise<number> {
  if (response.body === null) throw new Error('Slack answered without a body');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > maxBytes ? new TooLargeError(`over ${maxBytes} bytes`) : null, chunk);
    },
  });
  // `wx`: a name collision is the caller's bug, and must not overwrite (or, below, delete) another file.
  const output = createWriteStream(destination, { flags: 'wx', mode: 0o600 });
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), limit, output);
    return bytes;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(destination, { force: true });
    throw error;
  }
}

/** Slack answers an unauthorised download with a redirect to its sign-in page, an HTML page with status 200. */
function isSignInPage(response: Response, file: SlackFileRef): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('text/html') && file.mimetype !== 'text/html';
}

function tooLarge(maxBytes: number): DownloadOutcome {
  return { skipped: 'too_large', reason: `it is larger than ${formatBytes(maxBytes)}` };
}

function failed(reason: string): { skipped: 'failed'; reason: string } {
  return { skipped: 'failed', reason };
}

/** One short line for the prompt; the details are in the log. */
function describeFailure(error: unknown): string {
  if ((error as { name?: unknown } | undefined)?.name === 'TimeoutError') return 'the download took too long';
  // File system errors name the path they failed on; network errors do not.
  if ((error as NodeJS.ErrnoException | undefined)?.path !== undefined) return 'it could not be saved';
  return 'the download failed';
}
