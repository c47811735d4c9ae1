import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { botConfig, botIdentity, IDS, mention, mentionTwin, nextEventId, nextTs } from '../../test/factories';
import { type IntakeHarness, quietLogger, startIntakeHarness } from '../../test/intake-harness';
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

describe('a message whose first delivery died before its job was kept', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness(botConfig(), botIdentity(), 4);
  });
  afterAll(() => harness.close());

  it("queues the job on Slack's retry when the first delivery died before queuing it", async () => {
    const asked = mention('did the deploy go out?');
    const eventId = nextEventId();
    await harness.deliverAndDie(asked, eventId, 'before its job is queued');
    expect(await harness.unfinishedJobOf(asked)).toBeUndefined();

    expect(await harness.deliver(asked, eventId)).toBe('enqueued');
    expect(await harness.unfinishedJobOf(asked)).toMatchObject({ text: 'did the deploy go out?' });
    expect(await harness.deliver(asked, eventId)).toBe('duplicate');
    expect(await harness.deliver(mentionTwin(asked))).toBe('duplicate');
  });

  it('makes no second job when the first delivery died after queuing it', async () => {
    const asked = mention('and the rollback plan?');
    const eventId = nextEventId();
    const jobsBefore = await harness.jobCount();
    await harness.deliverAndDie(asked, eventId, 'before its job is kept');

    expect(await harness.deliver(asked, eventId)).toBe('enqueued');
    expect(await harness.deliver(asked, eventId)).toBe('duplicate');
    expect(await harness.jobCount()).toBe(jobsBefore + 1);
  });

  it('makes one job, counted enqueued once, however a retry and a twin meet the first delivery', async () => {
    const messages = Array.from({ length: 20 }, (_, n) => mention(`question ${n}`));
    const jobsBefore = await harness.jobCount();
    const from = harness.outcomes.length;
    await Promise.all(
      messages.map((asked) => {
        const eventId = nextEventId();
        return Promise.all([
          harness.deliver(asked, eventId),
          harness.deliver(asked, eventId),
          harness.deliver(mentionTwin(asked)),
        ]);
      }),
    );

    const counted = harness.outcomes.slice(from);
    expect(counted.filter((outcome) => outcome === 'enqueued')).toHaveLength(messages.length);
    expect(counted.filter((outcome) => outcome === 'duplicate')).toHaveLength(2 * messages.length);
    expect(await harness.jobCount()).toBe(jobsBefore + messages.length);
  });
});
