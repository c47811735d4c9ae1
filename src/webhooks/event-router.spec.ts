import {
  botConfig,
  botIdentity,
  directMessage,
  editedMessage,
  envelope,
  fromOutsider,
  IDS,
  mention,
  mentionTwin,
  otherBotMessage,
  ownReply,
  stopReaction,
  threadReply,
} from '../../test/factories';
import { routeEvent, stripMention } from './event-router';

const identity = botIdentity();

describe('routeEvent', () => {
  it('answers a mention in its own thread, without the mention in the prompt', () => {
    const event = mention('summarise the incident');
    const decision = routeEvent(envelope(event), botConfig(), identity);
    expect(decision).toEqual({
      kind: 'answer',
      onlyIfInThread: false,
      message: {
        teamId: IDS.team,
        channel: IDS.channel,
        ts: event.ts,
        threadTs: event.ts,
        user: IDS.alice,
        text: 'summarise the incident',
        files: [],
      },
    });
  });

  it('answers a mention inside a thread in that thread', () => {
    const decision = routeEvent(envelope(mention('go on', { thread_ts: '1767225600.000100' })), botConfig(), identity);
    expect(decision.kind === 'answer' && decision.message.threadTs).toBe('1767225600.000100');
  });

  it('treats the message twin of a mention as the same mention', () => {
    const event = mention();
    const decision = routeEvent(envelope(mentionTwin(event)), botConfig(), identity);
    expect(decision).toMatchObject({ kind: 'answer', onlyIfInThread: false, message: { ts: event.ts } });
  });

  it('answers a direct message, even outside the channel allowlist', () => {
    const decision = routeEvent(envelope(directMessage()), botConfig({ channels: ['C0OTHER0001'] }), identity);
    expect(decision).toMatchObject({ kind: 'answer', onlyIfInThread: false });
  });

  it('answers a plain thread reply only if the bot is in the thread', () => {
    const decision = routeEvent(envelope(threadReply('1767225600.000100')), botConfig(), identity);
    expect(decision).toMatchObject({ kind: 'answer', onlyIfInThread: true });
  });

  it.each([
    ['its own messages', ownReply('1767225600.000100'), botConfig()],
    ['its own messages by user id alone', { ...threadReply('1767225600.000100'), user: IDS.botUser }, botConfig()],
  ])('ignores %s', (_name, event, bot) => {
    expect(routeEvent(envelope(event), bot, identity)).toEqual({ kind: 'ignore', reason: 'own_message' });
  });

  it('ignores an edit of its own message', () => {
    const event = { ...editedMessage('1767225600.000100'), message: { type: 'message', user: IDS.botUser, ts: '1' } };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'own_message' });
  });

  it('ignores messages of other bots', () => {
    expect(routeEvent(envelope(otherBotMessage()), botConfig(), identity)).toEqual({
      kind: 'ignore',
      reason: 'bot_message',
    });
  });

  it('ignores app posts that carry a bot_id without a subtype', () => {
    const event = { ...threadReply('1767225600.000100'), bot_id: 'B0SOMEAPP01' };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'bot_message' });
  });

  it('answers a message that comes with files, even without text', () => {
    const file = {
      id: 'F0FILE00001',
      name: 'log.txt',
      mimetype: 'text/plain',
      size: 12,
      url_private: 'https://files.slack.com/x/log.txt',
    };
    const event = { ...mention('', { subtype: 'file_share', files: [file] }), text: `<@${IDS.botUser}>` };
    const decision = routeEvent(envelope(event), botConfig(), identity);
    expect(decision).toMatchObject({
      kind: 'answer',
      message: { text: '', files: [{ id: 'F0FILE00001', name: 'log.txt' }] },
    });
  });

  it.each(['message_changed', 'message_deleted', 'channel_join', 'channel_topic', 'message_replied'])(
    'ignores the %s subtype',
    (subtype) => {
      const event = { ...threadReply('1767225600.000100'), subtype };
      expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'subtype' });
    },
  );

  it('ignores an edit of a human message', () => {
    expect(routeEvent(envelope(editedMessage('1767225600.000100')), botConfig(), identity)).toEqual({
      kind: 'ignore',
      reason: 'subtype',
    });
  });

  it('ignores event types it does not handle', () => {
    const event = { type: 'reaction_added', user: IDS.alice };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'unsupported_event' });
  });

  it('ignores a mention with nothing else in it', () => {
    const event = { ...mention(), text: `<@${IDS.botUser}>` };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'empty' });
  });

  it('ignores channels outside the allowlist', () => {
    expect(routeEvent(envelope(mention()), botConfig({ channels: ['C0OTHER0001'] }), identity)).toEqual({
      kind: 'ignore',
      reason: 'channel_not_allowed',
    });
  });

  it('ignores users outside the allowlist, in channels and in DMs', () => {
    const bot = botConfig({ users: [IDS.bob] });
    expect(routeEvent(envelope(mention()), bot, identity)).toEqual({ kind: 'ignore', reason: 'user_not_allowed' });
    expect(routeEvent(envelope(directMessage()), bot, identity)).toEqual({
      kind: 'ignore',
      reason: 'user_not_allowed',
    });
  });

  it('ignores DMs when direct messages are off', () => {
    expect(routeEvent(envelope(directMessage()), botConfig({ directMessages: false }), identity)).toEqual({
      kind: 'ignore',
      reason: 'direct_messages_disabled',
    });
  });

  it('ignores channel chatter that does not address it', () => {
    const event = { ...threadReply('x'), thread_ts: undefined };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({ kind: 'ignore', reason: 'not_addressed' });
  });
});

describe('routeEvent with people of other organisations', () => {
  const outside = { kind: 'ignore', reason: 'external_user' };

  it.each([
    ['a mention', fromOutsider(mention())],
    ['a DM', fromOutsider(directMessage())],
    ['a thread reply', fromOutsider(threadReply('1767225600.000100'))],
    ['a stop in a thread', fromOutsider(threadReply('1767225600.000100', 'stop'))],
  ])('ignores %s from another organisation', (_name, event) => {
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual(outside);
  });

  it('answers them when the bot allows external users', () => {
    const decision = routeEvent(envelope(fromOutsider(mention())), botConfig({ allowExternalUsers: true }), identity);
    expect(decision).toMatchObject({ kind: 'answer', message: { user: IDS.outsider, teamId: IDS.team } });
  });

  it('takes the author from user_team before team', () => {
    const event = { ...mention(), team: IDS.team, user_team: IDS.otherTeam };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual(outside);
  });

  it('treats a message sent from another workspace as outside', () => {
    const event = { ...mention(), source_team: IDS.otherTeam };
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual(outside);
  });

  it('treats another Enterprise Grid organisation as outside, and its own as inside', () => {
    const grid = botIdentity({ enterpriseId: 'E0OURORG001' });
    const foreign = { ...mention(), enterprise_id: 'E0THEIRS001' };
    expect(routeEvent(envelope(foreign), botConfig(), grid)).toEqual(outside);
    expect(routeEvent(envelope(foreign), botConfig(), identity)).toEqual(outside);
    const orgWide = { ...mention(), user_team: 'E0OURORG001', enterprise_id: 'E0OURORG001' };
    expect(routeEvent(envelope(orgWide), botConfig(), grid)).toMatchObject({ kind: 'answer' });
  });

  it('leaves a stop reaction to the job check, as Slack does not say where the reactor comes from', () => {
    const event = stopReaction('1767225600.000100', IDS.outsider);
    expect(routeEvent(envelope(event), botConfig(), identity)).toMatchObject({ kind: 'stop', by: IDS.outsider });
  });
});

describe('routeEvent with stop in a DM', () => {
  it('stops the thread on "stop" in a DM thread, never prompting with it', () => {
    const event = directMessage('stop', { thread_ts: '1767225600.000100' });
    expect(routeEvent(envelope(event), botConfig(), identity)).toEqual({
      kind: 'stop',
      target: { kind: 'thread', channel: IDS.dm, threadTs: '1767225600.000100' },
      by: IDS.alice,
      onlyIfInThread: false,
    });
  });

  it('stops the whole DM on "stop" outside any thread', () => {
    expect(routeEvent(envelope(directMessage('Stop!')), botConfig(), identity)).toEqual({
      kind: 'stop',
      target: { kind: 'channel', teamId: IDS.team, channel: IDS.dm },
      by: IDS.alice,
      onlyIfInThread: false,
    });
  });

  it('still applies the users allowlist first', () => {
    expect(routeEvent(envelope(directMessage('stop')), botConfig({ users: [IDS.bob] }), identity)).toEqual({
      kind: 'ignore',
      reason: 'user_not_allowed',
    });
  });

  it('answers a DM that only mentions stopping', () => {
    expect(routeEvent(envelope(directMessage('stop the deploy')), botConfig(), identity)).toMatchObject({
      kind: 'answer',
    });
  });
});

describe('stripMention', () => {
  it('removes the bot mention wherever it stands and keeps other mentions and indentation', () => {
    expect(stripMention(`<@${IDS.botUser}> ask <@${IDS.bob}> about\n    code`, IDS.botUser)).toBe(
      `ask <@${IDS.bob}> about\n    code`,
    );
    expect(stripMention(`hey <@${IDS.botUser}|orchestrator> help`, IDS.botUser)).toBe('hey help');
  });
});
