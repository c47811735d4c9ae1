import {
  botConfig,
  botIdentity,
  directMessage,
  fromOutsider,
  IDS,
  mention,
  stopReaction,
  threadReply,
} from '../../test/factories';
import { type IntakeHarness, startIntakeHarness } from '../../test/intake-harness';
import type { EventOutcome } from '../metrics/metrics.constants';
import type { SlackMessageEvent } from './slack-events.types';

describe('StopIntake against a real Redis and queue', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness(botConfig({ admins: [IDS.admin] }), botIdentity(), 6);
  });
  afterAll(() => harness.close());

  const stillQueued = async (events: SlackMessageEvent[]) =>
    (await Promise.all(events.map((event) => harness.unfinishedJobOf(event)))).map(Boolean);

  it("stops only the stopper's own questions in a thread where others asked too; an admin stops them all", async () => {
    const asked = mention('first question', { user: IDS.alice });
    const bobs = threadReply(asked.ts!, 'second question', { user: IDS.bob });
    const alices = threadReply(asked.ts!, 'third question', { user: IDS.alice });
    for (const event of [asked, bobs, alices]) expect(await harness.deliver(event)).toBe('enqueued');

    expect(await harness.deliver(threadReply(asked.ts!, 'stop', { user: IDS.alice }))).toBe('stop_requested');
    const queued = () => stillQueued([asked, bobs, alices]);
    expect(await queued()).toEqual([false, true, false]);

    expect(await harness.deliver(threadReply(asked.ts!, 'stop', { user: IDS.admin }))).toBe('stop_requested');
    expect(await queued()).toEqual([false, false, false]);
  });

  it('stops every question of the stopper in a DM on "stop" outside its threads, and one thread on "stop" in it', async () => {
    const channel = 'D0STOPPER01';
    const [first, second, third] = [1, 2, 3].map((n) => directMessage(`question ${n}`, { channel }));
    const elsewhere = directMessage('question in another DM', { channel: 'D0ELSEWHERE' });
    for (const event of [first, second, third, elsewhere]) expect(await harness.deliver(event)).toBe('enqueued');

    expect(await harness.deliver(directMessage('stop', { channel, thread_ts: third.ts }))).toBe('stop_requested');
    const queued = () => stillQueued([first, second, third]);
    expect(await queued()).toEqual([true, true, false]);

    expect(await harness.deliver(directMessage('stop', { channel }))).toBe('stop_requested');
    expect(await queued()).toEqual([false, false, false]);
    expect(harness.notices.filter((notice) => notice.thread.channel === channel)).toHaveLength(3);
    expect(await stillQueued([elsewhere])).toEqual([true]);
  });
});

describe('StopIntake for a bot that allows external users', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness(botConfig({ allowExternalUsers: true }), botIdentity(), 6);
  });
  afterAll(() => harness.close());

  it('lets a person of another organisation stop the job they asked, by reaction', async () => {
    const asked = fromOutsider(mention('a question from outside'));
    expect(await harness.deliver(asked)).toBe('enqueued');

    expect(await harness.deliver(stopReaction(asked.ts!, IDS.bob))).toBe('stop_refused');
    expect(await harness.deliver(stopReaction(asked.ts!, IDS.outsider))).toBe('stop_requested');
    expect(harness.notices.map((notice) => notice.text)).toEqual([`:octagonal_sign: Stopped by <@${IDS.outsider}>.`]);
  });
});

describe('who may do what: the decision on each kind of event, by each kind of person', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness(botConfig({ admins: [IDS.admin] }), botIdentity(), 6);
  });
  afterAll(() => harness.close());

  /** Alice asks; then each person sends each kind of event about her question. */
  const people = {
    'the asker': (event: SlackMessageEvent) => ({ ...event, user: IDS.alice }),
    'another allowed user': (event: SlackMessageEvent) => ({ ...event, user: IDS.bob }),
    'an admin': (event: SlackMessageEvent) => ({ ...event, user: IDS.admin }),
    // Slack's reactions say nothing of the reactor's organisation; messages do.
    'a user of another organisation': (event: SlackMessageEvent) =>
      event.type === 'reaction_added' ? { ...event, user: IDS.outsider } : fromOutsider(event),
  };
  type Person = keyof typeof people;
  const events: Record<string, (asked: SlackMessageEvent) => SlackMessageEvent> = {
    'a mention': () => mention('what changed?'),
    'a DM': () => directMessage('what changed?'),
    'a thread reply': (asked) => threadReply(asked.ts!, 'and the rollback?'),
    'a stop reaction': (asked) => stopReaction(asked.ts!),
    '"stop" in the thread': (asked) => threadReply(asked.ts!, 'stop'),
  };
  const everyone = (outcome: EventOutcome): Record<Person, EventOutcome> => ({
    'the asker': outcome,
    'another allowed user': outcome,
    'an admin': outcome,
    'a user of another organisation': 'ignored_external',
  });
  const table: [string, Record<Person, EventOutcome>][] = [
    ['a mention', everyone('enqueued')],
    ['a DM', everyone('enqueued')],
    ['a thread reply', everyone('enqueued')],
    [
      'a stop reaction',
      {
        'the asker': 'stop_requested',
        'another allowed user': 'stop_refused',
        'an admin': 'stop_requested',
        'a user of another organisation': 'stop_refused',
      },
    ],
    [
      '"stop" in the thread',
      {
        'the asker': 'stop_requested',
        'another allowed user': 'stop_refused',
        'an admin': 'stop_requested',
        'a user of another organisation': 'ignored_external',
      },
    ],
  ];
  const cells = table.flatMap(([kind, row]) =>
    (Object.keys(row) as Person[]).map((person) => [kind, person, row[person]] as const),
  );

  it.each(cells)('%s by %s: %s', async (kind, person, expected) => {
    const asked = mention('long question', { user: IDS.alice });
    expect(await harness.deliver(asked)).toBe('enqueued');
    const noticesBefore = harness.notices.length;

    expect(await harness.deliver(people[person](events[kind](asked)))).toBe(expected);

    const stillQueued = (await harness.unfinishedJobOf(asked)) !== undefined;
    expect(stillQueued).toBe(expected !== 'stop_requested');
    const said = harness.notices.slice(noticesBefore).map((notice) => notice.text);
    expect(said).toEqual(
      expected === 'stop_requested' ? [`:octagonal_sign: Stopped by <@${people[person](asked).user}>.`] : [],
    );
  });
});
