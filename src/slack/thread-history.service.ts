import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { answersAuthor, type AuthorOrigin } from '../bots/bot-audience';
import type { BotConfig, BotIdentity } from '../bots/bot.types';
import { withTimeout } from '../common/timeouts';
import { quoteUntrusted, withoutFences } from './quoted-text';
import { SlackClientFactory } from './slack-client.factory';
import { slackErrorCode } from './slack.errors';

/**
 * How much of a thread goes into a prompt. Enough for "summarise this thread", small enough that the
 * context does not crowd out the question; when cutting, the most recent messages are kept.
 */
export const THREAD_HISTORY_LIMITS = {
  messages: 50,
  characters: 12_000,
  /** One pasted log must not push every other message out. */
  charactersPerMessage: 3_000,
  /** Slack's maximum is 1,000; 200 covers nearly every thread in one request. */
  pageSize: 200,
  /**
   * Since 2025 Slack allows apps outside its Marketplace one conversations.replies call a minute (15
   * messages each), so a long walk through pages would only meet refusals.
   */
  pages: 2,
  /** The history is a nicety: the person waits for the answer, not for it. */
  waitMs: 5_000,
} as const;

/** The fields of a message in conversations.replies that the prompt uses. */
interface ThreadMessage extends AuthorOrigin {
  readonly ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly username?: string;
  readonly bot_profile?: { readonly name?: string };
  readonly text?: string;
  readonly markdown_text?: string;
  readonly files?: readonly { readonly name?: string }[];
}

interface Fetched {
  readonly messages: ThreadMessage[];
  /** False when Slack had more messages before `beforeTs` than the pages we may read. */
  readonly complete: boolean;
}

/** A thread's earlier messages, as plain text for a prompt, for a mention in a thread with no session yet. */
@Injectable()
export class ThreadHistoryService {
  constructor(
    private readonly clients: SlackClientFactory,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(ThreadHistoryService.name);
  }

  /**
   * The thread's messages before `beforeTs` (which is excluded), oldest first, one `who: text` line each,
   * within THREAD_HISTORY_LIMITS. Messages by authors the bot would not answer (other bots, people
   * outside its `users` or its organisation) are fenced as untrusted quoted text. Empty when there are
   * none, and when Slack cannot or will not tell: the answer is worth more than the context, so no
   * failure here fails the job.
   */
  async earlierMessages(
    bot: BotConfig,
    identity: BotIdentity,
    channel: string,
    threadTs: string,
    beforeTs: string,
  ): Promise<string> {
    if (compareTs(beforeTs, threadTs) <= 0) return '';
    try {
      const fetched = await withTimeout(
        this.fetch(bot, channel, threadTs, beforeTs),
        THREAD_HISTORY_LIMITS.waitMs,
        'thread history from Slack',
      );
      return formatThread(fetched, bot, identity);
    } catch (error) {
      const code = slackErrorCode(error);
      this.logger.warn(
        { err: error, bot: bot.id, channel, threadTs, code },
        'could not read the thread; answering without its earlier messages',
      );
      return '';
    }
  }

  private async fetch(bot: BotConfig, channel: string, threadTs: string, beforeTs: string): Promise<Fetched> {
    // `fast`: a rate-limited call fails at once rather than pausing every call of the bot's client.
    const client = this.clients.forToken(bot.token, 'fast');
    const earlier: ThreadMessage[] = [];
    let cursor: string | undefined;
    for (let page = 1; page <= THREAD_HISTORY_LIMITS.pages; page++) {
      const result = await client.conversations.replies({
        channel,
        ts: threadTs,
        limit: THREAD_HISTORY_LIMITS.pageSize,
        latest: beforeTs,
        inclusive: false,
        cursor,
      });
      const messages: readonly ThreadMessage[] = result.messages ?? [];
      earlier.push(...messages.filter((message) => message.ts !== undefined && compareTs(message.ts, beforeTs) < 0));
      cursor = result.response_metadata?.next_cursor || undefined;
      const passedBefore = messages.some((message) => message.ts !== undefined && compareTs(message.ts, beforeTs) >= 0);
      if (cursor === undefined || passedBefore) return { messages: earlier, complete: true };
      // A short page with more to come means Slack capped it (the 2025 limits): the next call would be refused.
      if (messages.length < THREAD_HISTORY_LIMITS.pageSize) break;
    }
    return { messages: earlier, complete: false };
  }
}

function formatThread({ messages, complete }: Fetched, bot: BotConfig, identity: BotIdentity): string {
  const lines = messages.map((message) => formatMessage(message, bot, identity)).filter((line) => line !== undefined);
  const kept: string[] = [];
  let characters = 0;
  for (const line of lines.slice(-THREAD_HISTORY_LIMITS.messages).reverse()) {
    if (characters + line.length + 1 > THREAD_HISTORY_LIMITS.characters) break;
    kept.unshift(line);
    characters += line.length + 1;
  }
  const omitted = lines.length - kept.length;
  if (omitted > 0) kept.unshift(`(${omitted} earlier message${omitted === 1 ? '' : 's'} omitted)`);
  if (!complete && kept.length > 0) kept.push('(the later messages of the thread could not be read)');
  return kept.join('\n');
}

function formatMessage(message: ThreadMessage, bot: BotConfig, identity: BotIdentity): string | undefined {
  const own = message.user === identity.userId || (identity.botId !== undefined && message.bot_id === identity.botId);
  let text = (message.text || message.markdown_text || '').trim();
  if (!own) text = stripMention(text, identity.userId);
  const files = (message.files ?? []).map((file) => file.name).filter((name) => name !== undefined);
  if (files.length > 0) text = `${text} [files: ${files.join(', ')}]`.trim();
  if (text === '') return undefined;
  if (text.length > THREAD_HISTORY_LIMITS.charactersPerMessage) {
    text = `${text.slice(0, THREAD_HISTORY_LIMITS.charactersPerMessage)} … (cut)`;
  }
  if (!own && !isTrusted(message, bot, identity)) return quoteUntrusted(authorOf(message, own), text);
  // Continuation lines are indented, so that no message can pass itself off as another speaker's line,
  // and none can open or close a quote.
  return `${authorOf(message, own)}: ${withoutFences(text).replace(/\n/g, '\n  ')}`;
}

/** A person the bot would answer; never another bot, whoever it speaks for. */
function isTrusted(message: ThreadMessage, bot: BotConfig, identity: BotIdentity): boolean {
  if (message.user === undefined || isBot(message)) return false;
  return answersAuthor(bot, identity, message.user, message);
}

function isBot(message: ThreadMessage): boolean {
  return message.bot_id !== undefined || message.bot_profile !== undefined;
}

function authorOf(message: ThreadMessage, own: boolean): string {
  if (own) return 'assistant (you)';
  if (message.user !== undefined && !isBot(message)) return `<@${message.user}>`;
  const name = message.username ?? message.bot_profile?.name;
  return name === undefined ? 'a bot' : `bot ${name}`;
}

/** The bot's own mention (`<@U123>` or `<@U123|name>`) says nothing once the bot reads the thread itself. */
function stripMention(text: string, botUserId: string): string {
  const escaped = botUserId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`<@${escaped}(\\|[^>]*)?> ?`, 'g'), '').trim();
}

/** Orders Slack timestamps (`<seconds>.<micros>`) by value: as strings they compare wrongly across lengths. */
function compareTs(a: string, b: string): number {
  return tsMicros(a) - tsMicros(b);
}

function tsMicros(ts: string): number {
  const [seconds, fraction = ''] = ts.split('.');
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}
