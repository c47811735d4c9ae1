import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { splitMarkdown } from './message-splitter';
import { ANSWER_PART_LIMIT, MAX_ANSWER_PARTS, PROGRESS } from './slack.constants';
import { slackErrorCode } from './slack.errors';

export interface ThreadRef {
  readonly channel: string;
  readonly threadTs: string;
}

export interface ProgressStatus {
  /** What the CLI is doing now, e.g. "Reading `src/main.ts`". */
  readonly step?: string;
  readonly steps: number;
  readonly startedAt: number;
}

/** How the parts of an answer after the first reach the thread: once each, whatever Slack's answers. */
export interface AnswerDelivery {
  postPart(part: number, markdown: string): Promise<void>;
  uploadWhole(markdown: string): Promise<void>;
}

export interface ProgressClients {
  /** Waits out rate limits and retries: for what must arrive. */
  readonly reliable: WebClient;
  /** Fails fast on a rate limit: progress can be skipped, never queued behind the answer. */
  readonly fast: WebClient;
}

/**
 * The one message in the thread that shows what the CLI is doing, and then becomes the answer.
 * Updates are throttled and back off when Slack rate-limits them; the final text always wins.
 */
export class ProgressMessage {
  private interval: number = PROGRESS.minIntervalMs;
  private lastUpdate = 0;
  private pending: ProgressStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly clients: ProgressClients,
    private readonly thread: ThreadRef,
    readonly ts: string,
    private readonly log: Logger,
    private readonly delivery: AnswerDelivery,
    private readonly scrub: (text: string) => string,
  ) {}

  /** Shows the latest status, at most once per interval; statuses in between are dropped. */
  report(status: ProgressStatus): void {
    if (this.finished) return;
    this.pending = status;
    if (this.timer) return;
    const wait = Math.max(0, this.lastUpdate + this.interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.flush();
    }, wait);
  }

  /**
   * Replaces the progress with the answer: its first part here, the rest after it, or a head and a file.
   * The answer is scrubbed whole, before it is cut, so that no part of a secret outlives a cut. A retry
   * passes how many messages are already out (`posted`) and goes on from there; `onPosted` hears each
   * count while more are to come, so that it can be recorded.
   */
  async finish(
    answer: string,
    posted = 0,
    onPosted: (count: number) => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    this.stopUpdates();
    await this.inFlight;
    const markdown = this.scrub(answer);
    const split = splitMarkdown(markdown, ANSWER_PART_LIMIT);
    const asFile = split.length > MAX_ANSWER_PARTS;
    const parts = asFile ? [headOf(markdown), markdown] : split;
    if (parts.length === 0) parts.push('_(Claude finished without saying anything.)_');
    for (const [index, part] of parts.entries()) {
      if (index < posted) continue;
      if (index === 0) await this.replaceWith(part);
      else if (asFile) await this.delivery.uploadWhole(part);
      else await this.delivery.postPart(index, part);
      if (index + 1 < parts.length) await onPosted(index + 1);
    }
  }

  /** Replaces the progress with one plain line (a failure, a stop). */
  async finishWithLine(text: string): Promise<void> {
    this.stopUpdates();
    await this.inFlight;
    await this.update({ text });
  }

  private stopUpdates(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async flush(): Promise<void> {
    const status = this.pending;
    if (!status || this.finished) return;
    this.pending = undefined;
    this.lastUpdate = Date.now();
    try {
      await this.clients.fast.chat.update({ channel: this.thread.channel, ts: this.ts, text: progressText(status) });
      this.interval = PROGRESS.minIntervalMs;
    } catch (error) {
      if (!isRateLimited(error)) {
        this.log.warn({ err: error }, 'could not update the progress message');
        return;
      }
      const retryAfterMs = error instanceof WebAPIRateLimitedError ? error.retryAfter * 1000 : 0;
      this.interval = Math.min(Math.max(this.interval * 2, retryAfterMs), PROGRESS.maxIntervalMs);
      this.log.debug({ intervalMs: this.interval }, 'progress updates slowed down by Slack');
    }
  }

  private async replaceWith(markdown: string): Promise<void> {
    await this.update({ markdown_text: markdown });
  }

  /**
   * The final update must land: an `ok:false` rate limit is waited out here (the client already waits
   * out HTTP 429s); a message that cannot be updated any more is replaced by a new one.
   */
  private async update(content: { text: string } | { markdown_text: string }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.clients.reliable.chat.update({ channel: this.thread.channel, ts: this.ts, ...content });
        return;
      } catch (error) {
        if (isRateLimited(error) && attempt < PROGRESS.finalAttempts) {
          await sleep(PROGRESS.finalRetryMs * attempt);
          continue;
        }
        if (!(error instanceof WebAPIPlatformError)) throw error;
        this.log.warn({ err: error }, 'could not turn the progress message into the answer; posting it anew');
        await this.clients.reliable.chat.postMessage({
          channel: this.thread.channel,
          thread_ts: this.thread.threadTs,
          ...content,
        });
        // Best effort: the answer is posted; a leftover progress line is the lesser harm.
        await this.clients.reliable.chat.delete({ channel: this.thread.channel, ts: this.ts }).catch(() => undefined);
        return;
      }
    }
  }
}

export function progressText(status: ProgressStatus): string {
  const seconds = Math.max(0, Math.round((Date.now() - status.startedAt) / 1000));
  const elapsed = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  const steps = `${status.steps} step${status.steps === 1 ? '' : 's'}`;
  return `:hourglass_flowing_sand: ${status.step ?? 'Working on it…'} · ${steps} · ${elapsed}`;
}

/** The start of a very long answer, cut at a paragraph, with a pointer to the attached file. */
function headOf(markdown: string): string {
  const [head = ''] = splitMarkdown(markdown, PROGRESS.headChars);
  return `${head}\n\n_…the whole answer (${markdown.length.toLocaleString('en-US')} characters) is attached as a file._`;
}

function isRateLimited(error: unknown): boolean {
  return error instanceof WebAPIRateLimitedError || slackErrorCode(error) === 'ratelimited';
}
