import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envelope, IDS, mention, nextEventId } from '../factories';
import type { FakeSlackServer } from '../fakes/fake-slack-server';
import {
  appEnvironment,
  BOTS,
  flushRedis,
  makeWorkspace,
  postSigned,
  startApp,
  startFakeSlack,
  type TestApp,
  waitFor,
} from '../utils';

const DB = 1;
const urlVerification = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/slack/url_verification.json'), 'utf8'),
) as {
  challenge: string;
};

describe('POST /webhooks/slack: the answer to every kind of request', () => {
  let slack: FakeSlackServer;
  let app: TestApp;
  const secret = BOTS.backend.signingSecret;

  beforeAll(async () => {
    await flushRedis(DB);
    slack = await startFakeSlack();
    app = await startApp(appEnvironment(makeWorkspace(), slack, DB, { PROCESS_ROLE: 'api' }));
    await waitFor(async () => (await fetch(`${app.url}/health/ready`)).status === 200, { message: 'readiness' });
  });

  afterAll(async () => {
    await app.close();
    await slack.stop();
  });

  const webhook = (path = '') => `${app.url}/webhooks/slack${path}`;

  it('answers url_verification with the challenge when signed by any bot', async () => {
    for (const bot of [BOTS.backend, BOTS.frontend]) {
      const response = await postSigned(webhook(), urlVerification, { secret: bot.signingSecret });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ challenge: urlVerification.challenge });
    }
  });

  it.each([
    ['a wrong signature', { secret: 'not-the-secret' }],
    ['a missing signature', { secret, signature: null }],
    ['a stale timestamp', { secret, timestamp: Math.floor(Date.now() / 1000) - 310 }],
    ['a timestamp from the future', { secret, timestamp: Math.floor(Date.now() / 1000) + 310 }],
    ['another bot secret on a bot route', { secret: BOTS.frontend.signingSecret, path: '/backend' }],
  ])('refuses %s with 401', async (_name, init) => {
    const path = 'path' in init ? init.path : '';
    const response = await postSigned(webhook(path), envelope(mention()), init);
    expect(response.status).toBe(401);
  });

  it('refuses a tampered body with 401', async () => {
    const body = JSON.stringify(envelope(mention()));
    const timestamp = Math.floor(Date.now() / 1000);
    const good = await postSigned(webhook(), body, { secret, timestamp });
    expect(good.status).toBe(200);
    const { computeSlackSignature } = await import('../../src/webhooks/slack-signature');
    const signature = computeSlackSignature(secret, String(timestamp), body);
    const response = await postSigned(webhook(), body.replace('deploy', 'delete'), { secret, timestamp, signature });
    expect(response.status).toBe(401);
  });

  it('answers 404 for a bot id or app id that no bot has', async () => {
    expect((await postSigned(webhook('/nobody'), envelope(mention()), { secret })).status).toBe(404);
    const foreign = envelope(mention(), { api_app_id: 'A0UNKNOWN01' });
    expect((await postSigned(webhook(), foreign, { secret })).status).toBe(404);
  });

  it('answers 400 for a signed body that is not JSON or not an envelope', async () => {
    expect((await postSigned(webhook('/backend'), 'token=abc&command=%2Fask', { secret })).status).toBe(400);
    expect((await postSigned(webhook('/backend'), { hello: 'world' }, { secret })).status).toBe(400);
    expect((await postSigned(webhook('/backend'), { type: 'event_callback' }, { secret })).status).toBe(400);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const big = { ...envelope(mention()), padding: 'x'.repeat(1024 * 1024) };
    expect((await postSigned(webhook(), big, { secret })).status).toBe(413);
  });

  it('answers 200 for accepted, ignored and duplicate events', async () => {
    const event = envelope(mention());
    expect((await postSigned(webhook(), event, { secret })).status).toBe(200);
    expect((await postSigned(webhook(), event, { secret, retryNum: 1 })).status).toBe(200);
    const ignored = envelope({ type: 'reaction_added', user: IDS.alice });
    expect((await postSigned(webhook(), ignored, { secret })).status).toBe(200);
    const rateLimited = { type: 'app_rate_limited', team_id: IDS.team, api_app_id: IDS.app, minute_rate_limited: 1 };
    expect((await postSigned(webhook(), rateLimited, { secret })).status).toBe(200);
  });

  it('counts events by bot, type and outcome', async () => {
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /orchestrator_slack_events_total\{bot="backend",type="app_mention",outcome="enqueued",app="orchestrator"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /orchestrator_slack_events_total\{bot="backend",type="app_mention",outcome="duplicate",app="orchestrator"\} [1-9]/,
    );
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('routes by path even when the body names no app', async () => {
    const event = envelope(mention(), { api_app_id: undefined, event_id: nextEventId() });
    const response = await postSigned(webhook('/frontend'), event, { secret: BOTS.frontend.signingSecret });
    expect(response.status).toBe(200);
  });

  it('answers 503 when Redis cannot keep the event, and takes the retry once Redis is back', async () => {
    const down = await startApp(
      appEnvironment(makeWorkspace(), slack, DB, { PROCESS_ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:6399/0' }),
    );
    try {
      const event = envelope(mention());
      const response = await waitFor(
        async () => {
          const answer = await postSigned(`${down.url}/webhooks/slack`, event, { secret });
          const body = (await answer.json()) as { message?: string };
          return body.message?.includes('not been identified') ? undefined : { status: answer.status, body };
        },
        { message: 'the bots to be identified' },
      );
      expect(response.status).toBe(503);
      expect(response.body.message).toBe('the event could not be kept in Redis');
      const started = Date.now();
      expect((await postSigned(`${down.url}/webhooks/slack`, event, { secret })).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
      const ready = await fetch(`${down.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain('redis');
      const metrics = await (await fetch(`${down.url}/metrics`)).text();
      expect(metrics).toMatch(/orchestrator_slack_events_total\{[^}]*outcome="unavailable"[^}]*\} [1-9]/);
      // Slack's retry reaches a healthy process: nothing was claimed, so it is taken.
      const retry = await postSigned(webhook(), event, { secret, retryNum: 1 });
      expect(retry.status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('serves only health and metrics in the worker role', async () => {
    const worker = await startApp(appEnvironment(makeWorkspace(), slack, DB, { PROCESS_ROLE: 'worker' }));
    try {
      expect((await postSigned(`${worker.url}/webhooks/slack`, envelope(mention()), { secret })).status).toBe(404);
      expect((await fetch(`${worker.url}/health`)).status).toBe(200);
      expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
      const health = (await (await fetch(`${worker.url}/health`)).json()) as { role: string };
      expect(health.role).toBe('worker');
    } finally {
      await worker.close();
    }
  });
});
