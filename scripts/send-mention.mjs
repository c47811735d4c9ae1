#!/usr/bin/env node
// Sends a signed app_mention to a running orchestrator, the way Slack would.
// Usage: node --env-file=examples/local.env scripts/send-mention.mjs "your question" [thread_ts]
import { createHmac } from 'node:crypto';

const [text = 'hello', threadTs] = process.argv.slice(2);
const secret = process.env.SLACK_SIGNING_SECRET;
const port = process.env.PORT ?? '3000';
if (!secret) {
  console.error('SLACK_SIGNING_SECRET is not set (run with --env-file=examples/local.env)');
  process.exit(1);
}

const ts = `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1_000_000).padStart(6, '0')}`;
const body = JSON.stringify({
  type: 'event_callback',
  team_id: 'T0DEMO0001',
  api_app_id: 'A0DEMO00001',
  event_id: `Ev${Date.now()}`,
  event_time: Math.floor(Date.now() / 1000),
  event: {
    type: 'app_mention',
    user: 'U0DEMOUSER1',
    text: `<@U0DEMOBOT01> ${text}`,
    ts,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    channel: 'C0DEMO00001',
    team: 'T0DEMO0001',
  },
});
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
const started = performance.now();
const response = await fetch(`http://127.0.0.1:${port}/webhooks/slack`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  },
  body,
});
console.log(
  `HTTP ${response.status} in ${(performance.now() - started).toFixed(1)} ms, message ts ${ts}: ${await response.text()}`,
);
