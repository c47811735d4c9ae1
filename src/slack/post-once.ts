import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ThreadRef } from './progress-message';
import { slackErrorCode } from './slack.errors';

/** The metadata event our own replies carry, so that a reply whose post went unanswered can be found. */
export const REPLY_EVENT_TYPE = 'orchestrator_reply';

/** Which reply of which job: the progress message is part 0, an answer's further messages 1, 2, … */
export interface ReplyMark {
  readonly jobId: string;
  readonly part: number;
}

export type ReplyContent = { readonly text: string } | { readonly markdown_text: string };

const ATTEMPTS = 5;
const RETRY_MS = 500;
/** Replies of one job come after the message that asked; a page this long reaches them in any thread. */
const LOOKUP_PAGE = 200;

/**
 * Posts a reply that must appear once. Slack may act on a call whose answer is then lost (a dropped
 * connection, a timeout): a blind retry would post it twice. So `client` must not retry by itself, the
 * reply carries its job and part in its metadata, and after an unknown outcome the thread is searched
 * for it before it is posted again. `since` is the asking message's ts: our replies come after it.
 */
export async function postOnce(
  client: WebClient,
  thread: ThreadRef,
  mark: ReplyMark,
  content: ReplyContent,
  since: string,
): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const posted = await client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.threadTs,
        ...content,
        unfurl_links: false,
        metadata: { event_type: REPLY_EVENT_TYPE, event_payload: { job_id: mark.jobId, part: mark.part } },
      });
      if (posted.ts === undefined) throw new Error('chat.postMessage answered without a ts');
      return posted.ts;
    } catch (error) {
      lastError = error;
      if (error instanceof WebAPIRateLimitedError) {
        await sleep(error.retryAfter * 1000);
        continue;
      }
      if (error instanceof WebAPIPlatformError && slackErrorCode(error) !== 'ratelimited') throw error;
      if (!(error instanceof WebAPIPlatformError)) {
        const found = await findReply(client, thread, mark, since).catch(() => undefined);
        if (found !== undefined) return found;
      }
      await sleep(RETRY_MS * attempt);
    }
  }
  throw lastError;
}

interface MarkedMessage {
  readonly ts?: string;
  readonly metadata?: { readonly event_type?: string; readonly event_payload?: Record<string, unknown> };
}

async function findReply(client: WebClient, thread: ThreadRef, mark: ReplyMark, since: string) {
  const result = await client.conversations.replies({
    channel: thread.channel,
    ts: thread.threadTs,
    oldest: since,
    inclusive: true,
    include_all_metadata: true,
    limit: LOOKUP_PAGE,
  });
  const messages = (result.messages ?? []) as readonly MarkedMessage[];
  const found = messages.find(
    (message) =>
      message.metadata?.event_type === REPLY_EVENT_TYPE &&
      message.metadata.event_payload?.job_id === mark.jobId &&
      message.metadata.event_payload.part === mark.part,
  );
  return found?.ts;
}
