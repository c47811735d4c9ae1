// What the drills share: a stack of fake Slack + service processes, sending mentions, and reading what a
// person would see in each thread.
import { join } from 'node:path';
import {
  BOT,
  flushDb,
  freePort,
  jobCounts as queueJobCounts,
  mentionEnvelope,
  postWebhook,
  scratch,
  serviceEnv,
  signedRequest,
  startFakeSlack,
  startService,
} from '../../bench/lib/harness.mjs';

export const PROGRESS_PREFIX = ':hourglass_flowing_sand:';

/** Fake Slack plus one or more service processes on one Redis database (ours: 13 to 15); each knows its env. */
export async function startStack({ db, redisPort = 6379, slack, slackUrl, claudeBin, services, env = {}, prefix }) {
  if (redisPort === 6379) await flushDb(db);
  const fakeSlack = slack ?? (await startFakeSlack());
  const dir = scratch(prefix ?? 'orch-drill-');
  const redisUrl = `redis://127.0.0.1:${redisPort}/${db}`;
  const started = [];
  for (const spec of services) {
    const port = await freePort();
    const serviceEnvironment = serviceEnv({
      dir,
      port,
      slackUrl: slackUrl ?? fakeSlack.url,
      redisUrl,
      role: spec.role,
      claudeBin,
      extra: { RATE_LIMIT_MAX_REQUESTS: '100000', ...env, ...spec.env },
    });
    const service = await startService({ name: spec.name, dir, env: serviceEnvironment, ready: spec.ready ?? true });
    started.push(Object.assign(service, { env: serviceEnvironment }));
  }
  return {
    slack: fakeSlack,
    dir,
    redisUrl,
    services: started,
    /** Starts one more service process (a restarted worker, say) with the same settings. */
    async add(spec) {
      const port = await freePort();
      const serviceEnvironment = serviceEnv({
        dir,
        port,
        slackUrl: slackUrl ?? fakeSlack.url,
        redisUrl,
        role: spec.role,
        claudeBin,
        extra: { RATE_LIMIT_MAX_REQUESTS: '100000', ...env, ...spec.env },
      });
      const service = Object.assign(await startService({ name: spec.name, dir, env: serviceEnvironment }), {
        env: serviceEnvironment,
      });
      started.push(service);
      return service;
    },
    async stop() {
      await Promise.all(started.map((service) => service.stop('SIGTERM', 15_000)));
      if (!slack) await fakeSlack.stop();
      if (redisPort === 6379) await flushDb(db);
    },
  };
}

let sequence = 0;
/** A unique mention whose prompt carries `mention-id=<id>` (the CLI stand-ins echo it back). */
export function newMention({ tag = 'm', channel = BOT.channel, text = '', user } = {}) {
  sequence += 1;
  const id = `${tag}${sequence}`;
  const envelope = mentionEnvelope({
    eventId: `EvDrill${id}${Date.now().toString(36)}`,
    channel,
    user: user ?? `U0DRILL${String(sequence % 97).padStart(4, '0')}`,
    text: `${text} mention-id=${id} `.trim(),
  });
  return { id, envelope, channel, ts: envelope.event.ts, eventId: envelope.event_id };
}

/** The `message` twin Slack sends beside an `app_mention`: same message, another event id. */
export function twinOf(mention) {
  return {
    ...mention.envelope,
    event_id: `${mention.eventId}T`,
    event: { ...mention.envelope.event, type: 'message', channel_type: 'channel' },
  };
}

export function send(url, envelope, init = {}) {
  return postWebhook(url, signedRequest(envelope, init));
}

/** Runs `tasks` (functions returning promises) with at most `limit` at once. */
export async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]();
      }
    }),
  );
  return results;
}

/**
 * What a person sees in each mention's thread: the bot's final messages (an answer or a one-line
 * failure) and progress messages left behind. One outcome: exactly one final, no leftover progress.
 */
export function threadViews(slack, mentions) {
  const byChannel = new Map();
  return mentions.map((mention) => {
    if (!byChannel.has(mention.channel)) byChannel.set(mention.channel, slack.messages(mention.channel));
    const messages = byChannel.get(mention.channel).filter((message) => message.thread_ts === mention.ts);
    const text = (message) => String(message.markdown_text ?? message.text ?? '');
    const progress = messages.filter((message) => text(message).startsWith(PROGRESS_PREFIX));
    const finals = messages.filter((message) => !text(message).startsWith(PROGRESS_PREFIX));
    return { mention, finals: finals.map(text), progress: progress.length };
  });
}

export function summarizeViews(views) {
  const count = (predicate) => views.filter(predicate).length;
  return {
    one: count((view) => view.finals.length === 1 && view.progress === 0),
    none: count((view) => view.finals.length === 0),
    several: count((view) => view.finals.length > 1),
    leftover: count((view) => view.progress > 0),
    answered: count((view) => view.finals.some((text) => text.includes(`mention-id=${view.mention.id}`))),
  };
}

export function describeViews(summary, total) {
  return (
    `${summary.one}/${total} with exactly one outcome; ${summary.none} with none, ${summary.several} with several, ` +
    `${summary.leftover} with a progress message left behind; ${summary.answered} answered`
  );
}

/** Jobs by state, as BullMQ counts them. */
export function jobCounts(redisUrl) {
  return queueJobCounts(redisUrl, ['completed', 'failed', 'active', 'wait', 'delayed', 'paused', 'prioritized']);
}

export function total(counts) {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

export function statusCounts(results) {
  const counts = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}

export function show(object) {
  return Object.entries(object)
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ');
}

export { join };
