import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { SecretScrubber } from '../src/logging/secret-scrubber';
import { getToken } from '@willsoto/nestjs-prometheus';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { BotIdentityService } from '../src/bots/bot-identity.service';
import { BotRegistry } from '../src/bots/bot-registry';
import type { BotConfig, BotIdentity } from '../src/bots/bot.types';
import { AppConfig } from '../src/config/config.types';
import { loadConfig } from '../src/config/load-config';
import { type EventOutcome, METRIC } from '../src/metrics/metrics.constants';
import { ClaudeJobProducer } from '../src/queue/claude-job.producer';
import { JobStopper } from '../src/queue/job-stopper';
import { StopRequests } from '../src/queue/stop-requests.repository';
import { CLAUDE_QUEUE, QUEUE_PREFIX } from '../src/queue/queue.constants';
import type { RunClaudeJobData } from '../src/queue/queue.types';
import { ThreadOrderRepository } from '../src/queue/thread-order.repository';
import { REDIS_CLIENT } from '../src/redis/redis.constants';
import { ReplyService } from '../src/slack/reply.service';
import { SlackService, type ThreadRef } from '../src/slack/slack.service';
import { AdmissionRepository } from '../src/webhooks/admission.repository';
import { EventIntake } from '../src/webhooks/event-intake.service';
import { computeSlackSignature } from '../src/webhooks/slack-signature';
import type { SlackMessageEvent } from '../src/webhooks/slack-events.types';
import { StopIntake } from '../src/webhooks/stop-intake.service';
import { ThreadRepository } from '../src/webhooks/thread.repository';
import { WebhookService } from '../src/webhooks/webhook.service';
import { envelope, IDS } from './factories';

/** A line the bot said in a thread, outside any job (a stop of queued work, say). */
export interface Notice {
  readonly thread: ThreadRef;
  readonly text: string;
}

/**
 * The webhook side as the app wires it (signature, routing, intake, stop, queue) on a real Redis and a
 * real BullMQ queue with no worker, so jobs stay queued; Slack and the metrics are recorded instead.
 */
export interface IntakeHarness {
  /**
   * Delivers a signed event (under a fresh event id, or `eventId` for one of Slack's retries); answers
   * the outcome counted in orchestrator_slack_events_total. Deliveries at once: read `outcomes` instead.
   */
  deliver(event: SlackMessageEvent, eventId?: string): Promise<EventOutcome>;
  /** Delivers an event whose process dies at `stage`: it never answers, and nothing after that stage runs. */
  deliverAndDie(event: SlackMessageEvent, eventId: string, stage: DeathStage): Promise<void>;
  /** The job a message started, while it has not finished; every delivery comes to the IDS.team workspace. */
  unfinishedJobOf(event: SlackMessageEvent): Promise<RunClaudeJobData | undefined>;
  /** Every job in the queue, whatever its state. */
  jobCount(): Promise<number>;
  /** Every outcome counted so far, in order. */
  readonly outcomes: readonly EventOutcome[];
  readonly notices: Notice[];
  close(): Promise<void>;
}

export type DeathStage = 'before its job is queued' | 'before its job is kept';

export const quietLogger = {
  setContext: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

export async function startIntakeHarness(bot: BotConfig, identity: BotIdentity, db: number): Promise<IntakeHarness> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db });
  await redis.flushdb();
  const queue = new Queue<RunClaudeJobData>(CLAUDE_QUEUE, {
    connection: { host: '127.0.0.1', port: 6379, db },
    prefix: QUEUE_PREFIX,
  });
  const outcomes: EventOutcome[] = [];
  const notices: Notice[] = [];
  const config = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', RATE_LIMIT_MAX_REQUESTS: '1000' });
  const module = await Test.createTestingModule({
    providers: [
      WebhookService,
      EventIntake,
      StopIntake,
      AdmissionRepository,
      ThreadRepository,
      ClaudeJobProducer,
      JobStopper,
      StopRequests,
      ThreadOrderRepository,
      { provide: REDIS_CLIENT, useValue: redis },
      { provide: getQueueToken(CLAUDE_QUEUE), useValue: queue },
      { provide: AppConfig, useValue: config },
      { provide: BotRegistry, useValue: new BotRegistry([bot]) },
      { provide: BotIdentityService, useValue: { identityOf: () => identity } },
      ReplyService,
      {
        provide: SlackService,
        useValue: {
          postNotice: (_bot: unknown, thread: ThreadRef, text: string) =>
            Promise.resolve(notices.push({ thread, text })),
          postEphemeral: () => Promise.resolve(),
        },
      },
      {
        provide: getToken(METRIC.slackEvents),
        useValue: { inc: (labels: { outcome: EventOutcome }) => outcomes.push(labels.outcome) },
      },
      { provide: getToken(METRIC.webhookDuration), useValue: { startTimer: () => () => undefined } },
      { provide: PinoLogger, useValue: quietLogger },
      { provide: SecretScrubber, useValue: new SecretScrubber([bot.token, bot.signingSecret]) },
    ],
  }).compile();
  await module.init();
  const webhooks = module.get(WebhookService);
  const stopper = module.get(JobStopper);
  const death = dieIn(module.get(ClaudeJobProducer));
  const receive = (event: SlackMessageEvent, eventId?: string) => {
    const rawBody = Buffer.from(JSON.stringify(envelope(event, eventId === undefined ? {} : { event_id: eventId })));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = computeSlackSignature(bot.signingSecret, timestamp, rawBody);
    return webhooks.receive({ botId: bot.id, rawBody, timestamp, signature });
  };

  return {
    notices,
    outcomes,
    async deliver(event, eventId) {
      await receive(event, eventId);
      const outcome = outcomes.at(-1);
      if (outcome === undefined) throw new Error('the delivery was not counted');
      return outcome;
    },
    async deliverAndDie(event, eventId, stage) {
      const died = death.next(stage);
      void receive(event, eventId);
      await died;
    },
    unfinishedJobOf: (event) => stopper.unfinishedJobOf(bot.id, IDS.team, event.channel ?? '', event.ts ?? ''),
    jobCount: async () => Object.values(await queue.getJobCounts()).reduce((sum, count) => sum + count, 0),
    async close() {
      await module.close();
      await queue.close();
      await redis.quit();
    },
  };
}

/**
 * Lets the next delivery die at a stage of its enqueue, as a process killed there would: the producer
 * call never settles, so the claim is neither kept nor released. Resolves once it has died.
 */
function dieIn(producer: ClaudeJobProducer): { next(stage: DeathStage): Promise<void> } {
  const enqueue = producer.enqueue.bind(producer);
  let dying: { stage: DeathStage; died: () => void } | undefined;
  const never = new Promise<never>(() => undefined);
  producer.enqueue = async (data) => {
    const death = dying;
    dying = undefined;
    if (death?.stage === 'before its job is queued') death.died();
    else {
      const jobId = await enqueue(data);
      if (death === undefined) return jobId;
      death.died();
    }
    return never;
  };
  return {
    next: (stage) => new Promise((died) => (dying = { stage, died })),
  };
}
