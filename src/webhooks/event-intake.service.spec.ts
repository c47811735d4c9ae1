import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import {
  botConfig,
  botIdentity,
  directMessage,
  fromOutsider,
  IDS,
  mention,
  nextEventId,
  nextTs,
  stopReaction,
  threadReply,
} from '../../test/factories';
import { type IntakeHarness, startIntakeHarness } from '../../test/intake-harness';
import type { EventOutcome } from '../metrics/metrics.constants';
import type { SlackMessageEvent } from './slack-events.types';
import { AppConfig } from '../config/config.types';
import { loadConfig } from '../config/load-config';
import { ClaudeJobProducer } from '../queue/claude-job.producer';
import { EnqueueError } from '../queue/queue.errors';
import type { RunClaudeJobData } from '../queue/queue.types';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { ReplyService } from '../slack/reply.service';
import { SlackService } from '../slack/slack.service';
import { AdmissionRepository } from './admission.repository';
import { EventIntake } from './event-intake.service';
import { ThreadRepository } from './thread.repository';
import { EventNotKeptError } from './webhooks.errors';

/** The queue as seen from the webhook: it can be made to refuse the next job, as Redis does when it fails. */
class ControllableProducer {
  readonly jobs: RunClaudeJobData[] = [];
  refuseNext = false;

  enqueue(data: RunClaudeJobData): Promise<string> {
    if (this.refuseNext) {
      this.refuseNext = false;
      return Promise.reject(new EnqueueError('Redis did not take the job'));
    }
    this.jobs.push(data);
    return Promise.resolve(`job-${this.jobs.length}`);
  }
}

const quietLogger = {
  setContext: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

describe('EventIntake against a real Redis', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db: 4 });
  const producer = new ControllableProducer();
  const ephemerals: string[] = [];
  let intake: EventIntake;

  beforeAll(async () => {
    await redis.flushdb();
    const module = await Test.createTestingModule({
      providers: [
        EventIntake,
        AdmissionRepository,
        ThreadRepository,
        { provide: REDIS_CLIENT, useValue: redis },
        {
          provide: AppConfig,
          useValue: loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', RATE_LIMIT_MAX_REQUESTS: '2' }),
        },
        { provide: ClaudeJobProducer, useValue: producer },
        ReplyService,
        {
          provide: SlackService,
          useValue: {
            postEphemeral: (_bot: unknown, _thread: unknown, user: string) => Promise.resolve(ephemerals.push(user)),
          },
        },
        { provide: PinoLogger, useValue: quietLogger },
      ],
    }).compile();
    await module.init();
    intake = module.get(EventIntake);
  });

  afterAll(async () => {
    await redis.quit();
  });

  const message = (user: string = IDS.alice) => {
    const ts = nextTs();
    return { teamId: IDS.team, channel: IDS.channel, ts, threadTs: ts, user, text: 'hello', files: [] };
  };

  it('does not let a failed enqueue block Slack retry of the same event', async () => {
    const bot = botConfig();
    const eventId = nextEventId();
    const userMessage = message('U0RETRIER1');
    producer.refuseNext = true;
    await expect(intake.take(bot, eventId, userMessage, false)).rejects.toBeInstanceOf(EventNotKeptError);
    await expect(intake.take(bot, eventId, userMessage, false)).resolves.toBe('enqueued');
    await expect(intake.take(bot, eventId, userMessage, false)).resolves.toBe('duplicate');
    expect(producer.jobs.filter((job) => job.messageTs === userMessage.ts)).toHaveLength(1);
  });

  it('counts only messages against the rate limit, not retries, and notices once per window', async () => {
    const bot = botConfig();
    const user = 'U0COUNTED1';
    const first = message(user);
    const firstEvent = nextEventId();
    expect(await intake.take(bot, firstEvent, first, false)).toBe('enqueued');
    expect(await intake.take(bot, firstEvent, first, false)).toBe('duplicate');
    expect(await intake.take(bot, nextEventId(), message(user), false)).toBe('enqueued');
    expect(await intake.take(bot, nextEventId(), message(user), false)).toBe('rate_limited');
    expect(await intake.take(bot, nextEventId(), message(user), false)).toBe('rate_limited');
    expect(ephemerals.filter((who) => who === user)).toHaveLength(1);
  });

  it('answers a plain thread reply only in a thread it already talks in', async () => {
    const bot = botConfig();
    const parent = message('U0THREADER');
    const reply = { ...message('U0THREADER'), threadTs: parent.ts };
    const stranger = { ...message('U0THREADER'), threadTs: '1700000000.000001' };
    expect(await intake.take(bot, nextEventId(), stranger, true)).toBe('ignored_other');
    expect(await intake.take(bot, nextEventId(), parent, false)).toBe('enqueued');
    expect(await intake.take(bot, nextEventId(), reply, true)).toBe('enqueued');
  });
});

describe('who may do what: the decision on each kind of event, by each kind of person', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness(botConfig({ admins: [IDS.admin] }), botIdentity(), 4);
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
