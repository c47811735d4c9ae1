import type { BotConfig, BotIdentity } from './bot.types';

/** Where a Slack message says its author comes from: the fields of events and of conversations.replies. */
export interface AuthorOrigin {
  readonly team?: string;
  /** The author's own workspace, in a channel shared with other organisations (Slack Connect). */
  readonly user_team?: string;
  /** The workspace the message was sent from. */
  readonly source_team?: string;
  readonly enterprise_id?: string;
}

/**
 * True when the author belongs to another organisation than the bot. A workspace field may name the
 * bot's team or, on Enterprise Grid, its organisation; an absent field tells nothing.
 */
export function isFromOutside(origin: AuthorOrigin, identity: BotIdentity): boolean {
  const ours = (team: string | undefined) =>
    team === undefined || team === identity.teamId || team === identity.enterpriseId;
  if (!ours(origin.user_team ?? origin.team) || !ours(origin.source_team)) return true;
  return origin.enterprise_id !== undefined && origin.enterprise_id !== identity.enterpriseId;
}

/** Whether the bot takes requests from this person: its `users` allowlist (empty: anyone). */
export function isAllowedUser(bot: BotConfig, user: string): boolean {
  return bot.users.length === 0 || bot.users.includes(user);
}

/** Whether the bot takes requests from the author of a message, as far as the message tells. */
export function answersAuthor(bot: BotConfig, identity: BotIdentity, user: string, origin: AuthorOrigin): boolean {
  return isAllowedUser(bot, user) && (bot.allowExternalUsers || !isFromOutside(origin, identity));
}
