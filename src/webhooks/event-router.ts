import { isAllowedUser, isFromOutside } from '../bots/bot-audience';
import type { BotConfig, BotIdentity } from '../bots/bot.types';
import { type SlackFileRef, slackFileRef } from '../slack/slack-files.service';
import type { EventCallback, SlackMessageEvent } from './slack-events.types';

export type IgnoreReason =
  | 'unsupported_event'
  | 'own_message'
  | 'bot_message'
  | 'subtype'
  | 'empty'
  | 'direct_messages_disabled'
  | 'channel_not_allowed'
  | 'user_not_allowed'
  | 'external_user'
  | 'not_addressed'
  | 'not_in_thread';

/** A message from a person that the bot should answer. */
export interface UserMessage {
  readonly teamId: string;
  readonly channel: string;
  readonly ts: string;
  readonly threadTs: string;
  readonly user: string;
  readonly text: string;
  readonly files: readonly SlackFileRef[];
}

/**
 * What a stop request points at: one message's job (a reaction), a thread (`stop` in it), or a whole
 * DM (`stop` outside any thread there). Whose jobs it may reach is decided once the jobs are found.
 */
export type StopTarget =
  | { readonly kind: 'message'; readonly teamId: string; readonly channel: string; readonly ts: string }
  | { readonly kind: 'thread'; readonly channel: string; readonly threadTs: string }
  | { readonly kind: 'channel'; readonly teamId: string; readonly channel: string };

export type RouteDecision =
  | { readonly kind: 'ignore'; readonly reason: IgnoreReason }
  /** `onlyIfInThread`: a plain reply in a thread, answered only when the bot already talks there. */
  | { readonly kind: 'answer'; readonly message: UserMessage; readonly onlyIfInThread: boolean }
  | { readonly kind: 'stop'; readonly target: StopTarget; readonly by: string; readonly onlyIfInThread: boolean };

const DIRECT_CHANNEL_TYPES = new Set(['im', 'app_home']);
/** Subtypes that are still a person talking: a message with files, a reply also sent to the channel. */
const USER_SUBTYPES = new Set(['file_share', 'thread_broadcast']);
/** :octagonal_sign: and :x: on a message stop its job. */
export const STOP_REACTIONS = new Set(['octagonal_sign', 'x']);
const STOP_COMMAND = /^stop[.!]*$/i;

/** Decides, from the event alone, whether a bot answers it. Pure: no I/O. */
export function routeEvent(envelope: EventCallback, bot: BotConfig, identity: BotIdentity): RouteDecision {
  const { event } = envelope;
  if (event.type === 'reaction_added') return routeReaction(envelope, bot, identity);
  if (event.type !== 'app_mention' && event.type !== 'message') return ignore('unsupported_event');
  if (isOwn(event, envelope, identity) || (event.message && isOwn(event.message, envelope, identity))) {
    return ignore('own_message');
  }
  if (event.bot_id !== undefined || event.bot_profile !== undefined || event.subtype === 'bot_message') {
    return ignore('bot_message');
  }
  if ((event.subtype !== undefined && !USER_SUBTYPES.has(event.subtype)) || event.hidden === true) {
    return ignore('subtype');
  }
  const { user, ts, channel } = event;
  const text = event.text ?? '';
  if (user === undefined || ts === undefined || channel === undefined) return ignore('empty');
  if (!bot.allowExternalUsers && isFromOutside(event, identity)) return ignore('external_user');

  const prompt = stripMention(text, identity.userId);
  const files = (event.files ?? []).flatMap((file) => slackFileRef(file) ?? []);
  if (prompt === '' && files.length === 0) return ignore('empty');
  const message: UserMessage = {
    // The workspace the event came to, not the author's: a reaction, which names no author, must find its job.
    teamId: envelope.team_id,
    channel,
    ts,
    threadTs: event.thread_ts ?? ts,
    user,
    text: prompt,
    files,
  };
  if (!isAllowedUser(bot, user)) return ignore('user_not_allowed');
  const isThreadReply = event.thread_ts !== undefined && event.thread_ts !== ts;
  if (isDirect(event)) return routeDirect(message, bot, isThreadReply);
  if (!isAllowed(bot.channels, channel)) return ignore('channel_not_allowed');
  const mentioned = event.type === 'app_mention' || text.includes(`<@${identity.userId}>`);
  if (isThreadReply && STOP_COMMAND.test(prompt)) {
    const target: StopTarget = { kind: 'thread', channel, threadTs: message.threadTs };
    return { kind: 'stop', target, by: user, onlyIfInThread: !mentioned };
  }
  if (mentioned) return answer(message, false);
  return isThreadReply ? answer(message, true) : ignore('not_addressed');
}

/** In a DM every message is for the bot, so `stop` there is always a stop, never a prompt. */
function routeDirect(message: UserMessage, bot: BotConfig, isThreadReply: boolean): RouteDecision {
  if (!bot.directMessages) return ignore('direct_messages_disabled');
  if (!STOP_COMMAND.test(message.text)) return answer(message, false);
  const { teamId, channel, threadTs } = message;
  const target: StopTarget = isThreadReply
    ? { kind: 'thread', channel, threadTs }
    : { kind: 'channel', teamId, channel };
  return { kind: 'stop', target, by: message.user, onlyIfInThread: false };
}

/**
 * A stop reaction on a message. Slack says nothing of the reactor's organisation, which does not
 * matter: only the asker or an admin may stop, and that is checked against the job once it is found.
 */
function routeReaction(envelope: EventCallback, bot: BotConfig, identity: BotIdentity): RouteDecision {
  const { event } = envelope;
  if (event.user === identity.userId) return ignore('own_message');
  if (!bot.allowExternalUsers && isFromOutside(event, identity)) return ignore('external_user');
  if (event.reaction === undefined || !STOP_REACTIONS.has(event.reaction)) return ignore('unsupported_event');
  const { item, user } = event;
  if (item?.type !== 'message' || item.channel === undefined || item.ts === undefined || user === undefined) {
    return ignore('empty');
  }
  if (!isDirectChannel(item.channel) && !isAllowed(bot.channels, item.channel)) return ignore('channel_not_allowed');
  const target: StopTarget = { kind: 'message', teamId: envelope.team_id, channel: item.channel, ts: item.ts };
  return { kind: 'stop', target, by: user, onlyIfInThread: false };
}

/** Removes the bot's own mention (`<@U123>` or `<@U123|name>`) and the spaces it leaves. */
export function stripMention(text: string, botUserId: string): string {
  return text.replace(new RegExp(`<@${escapeRegExp(botUserId)}(\\|[^>]*)?> ?`, 'g'), '').trim();
}

function isOwn(event: SlackMessageEvent, envelope: EventCallback, identity: BotIdentity): boolean {
  if (event.user === identity.userId) return true;
  if (identity.botId !== undefined && event.bot_id === identity.botId) return true;
  const appId = envelope.api_app_id;
  return appId !== undefined && (event.app_id === appId || event.bot_profile?.app_id === appId);
}

function isDirect(event: SlackMessageEvent): boolean {
  if (event.channel_type !== undefined) return DIRECT_CHANNEL_TYPES.has(event.channel_type);
  return event.type === 'message' && isDirectChannel(event.channel ?? '');
}

function isDirectChannel(channel: string): boolean {
  return channel.startsWith('D');
}

function isAllowed(allowlist: readonly string[], id: string): boolean {
  return allowlist.length === 0 || allowlist.includes(id);
}

function ignore(reason: IgnoreReason): RouteDecision {
  return { kind: 'ignore', reason };
}

function answer(message: UserMessage, onlyIfInThread: boolean): RouteDecision {
  return { kind: 'answer', message, onlyIfInThread };
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
