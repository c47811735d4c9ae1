import type { BotConfig, BotIdentity } from '../src/bots/bot.types';
import type { EventCallback, SlackMessageEvent } from '../src/webhooks/slack-events.types';

/** Ids shared with the fixtures in test/fixtures/slack. */
export const IDS = {
  team: 'T0A1B2C3D4E',
  app: 'A0B1C2D3E4F',
  botUser: 'U0BOT12345',
  botId: 'B0BOT67890',
  alice: 'U0H1U2M3A4N',
  bob: 'U0K5L6M7N8P',
  channel: 'C0CHAN12345',
  dm: 'D0DM1234567',
  /** One of the bots' admins (they are not in the fixtures). */
  admin: 'U0ADMIN0001',
  /** A person of another organisation, met in a channel shared with it (Slack Connect). */
  outsider: 'U0OUTSIDER1',
  otherTeam: 'T0OTHERORG1',
} as const;

let sequence = 0;

/** A fresh, increasing Slack ts: `<epoch seconds>.<6 digits>`. */
export function nextTs(): string {
  sequence += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
}

export function nextEventId(): string {
  sequence += 1;
  return `Ev${Date.now().toString(36).toUpperCase()}${sequence}`;
}

export function botConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    id: 'backend',
    appId: IDS.app,
    signingSecret: 'test-signing-secret-backend',
    token: 'xoxb-test-backend-token',
    workingDirectory: '/tmp',
    channels: [],
    users: [],
    admins: [],
    allowExternalUsers: false,
    directMessages: true,
    timeoutSeconds: 60,
    claude: { env: {} },
    ...overrides,
  };
}

export function botIdentity(overrides: Partial<BotIdentity> = {}): BotIdentity {
  return { userId: IDS.botUser, botId: IDS.botId, teamId: IDS.team, ...overrides };
}

export function envelope(event: SlackMessageEvent, overrides: Partial<EventCallback> = {}): EventCallback {
  return {
    type: 'event_callback',
    team_id: IDS.team,
    api_app_id: IDS.app,
    event_id: nextEventId(),
    event,
    ...overrides,
  };
}

/** A mention of the bot in a channel, as Slack sends it (no `channel_type`). */
export function mention(
  text = 'what changed in deploy 42?',
  overrides: Partial<SlackMessageEvent> = {},
): SlackMessageEvent {
  const ts = overrides.ts ?? nextTs();
  return {
    type: 'app_mention',
    user: IDS.alice,
    text: `<@${IDS.botUser}> ${text}`,
    ts,
    channel: IDS.channel,
    team: IDS.team,
    ...overrides,
  };
}

/** The `message` twin Slack sends for the same mention when the bot subscribes to channel messages. */
export function mentionTwin(original: SlackMessageEvent): SlackMessageEvent {
  return { ...original, type: 'message', channel_type: 'channel' };
}

export function directMessage(text = 'hello there', overrides: Partial<SlackMessageEvent> = {}): SlackMessageEvent {
  return {
    type: 'message',
    channel_type: 'im',
    user: IDS.alice,
    text,
    ts: nextTs(),
    channel: IDS.dm,
    team: IDS.team,
    ...overrides,
  };
}

export function threadReply(
  threadTs: string,
  text = 'and what about the rollback?',
  overrides: Partial<SlackMessageEvent> = {},
): SlackMessageEvent {
  return {
    type: 'message',
    channel_type: 'channel',
    user: IDS.alice,
    text,
    ts: nextTs(),
    thread_ts: threadTs,
    channel: IDS.channel,
    team: IDS.team,
    ...overrides,
  };
}

/** The event as Slack sends it when its author belongs to another organisation (Slack Connect). */
export function fromOutsider(event: SlackMessageEvent, user: string = IDS.outsider): SlackMessageEvent {
  return { ...event, user, team: IDS.otherTeam, user_team: IDS.otherTeam, source_team: IDS.otherTeam };
}

/** A stop reaction on a message; like Slack's, it says nothing of the reactor's organisation. */
export function stopReaction(
  ts: string,
  user: string = IDS.alice,
  overrides: { channel?: string; reaction?: string } = {},
): SlackMessageEvent {
  const { channel = IDS.channel, reaction = 'octagonal_sign' } = overrides;
  return { type: 'reaction_added', user, reaction, item: { type: 'message', channel, ts } };
}

/** Our own reply echoed back by Slack: no subtype, but `bot_id`, `app_id` and our user. */
export function ownReply(threadTs: string): SlackMessageEvent {
  return {
    type: 'message',
    channel_type: 'channel',
    user: IDS.botUser,
    bot_id: IDS.botId,
    app_id: IDS.app,
    bot_profile: { app_id: IDS.app },
    text: 'Here is the answer',
    ts: nextTs(),
    thread_ts: threadTs,
    channel: IDS.channel,
  };
}

export function otherBotMessage(): SlackMessageEvent {
  return {
    type: 'message',
    subtype: 'bot_message',
    bot_id: 'B0INCWH0OK1',
    text: 'Build passed',
    ts: nextTs(),
    channel: IDS.channel,
    channel_type: 'channel',
  };
}

export function editedMessage(threadTs: string): SlackMessageEvent {
  const ts = nextTs();
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: IDS.channel,
    channel_type: 'channel',
    ts,
    message: { type: 'message', user: IDS.alice, text: `<@${IDS.botUser}> edited`, ts: threadTs },
  };
}
