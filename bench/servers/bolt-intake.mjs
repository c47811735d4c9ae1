// (c) What a user would pick instead: Slack Bolt with its default HTTP receiver and
// processBeforeResponse (so a 200 means the job is in Redis), handing each mention to the
// orchestrator's own intake (intake-work.mjs): the same Redis calls, in the same order.
import bolt from '@slack/bolt';
import { connect, identityFromEnv, messageOf, sameAsOrchestrator } from './intake-work.mjs';

const { App, LogLevel } = bolt;
const identity = identityFromEnv();
const backend = connect();

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  token: process.env.SLACK_BOT_TOKEN,
  processBeforeResponse: true,
  logLevel: LogLevel.WARN,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});

app.event('app_mention', async ({ body }) => {
  const routed = messageOf(backend, body, identity);
  if (routed) await sameAsOrchestrator(backend, body.event_id, routed);
});

await app.start({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void Promise.allSettled([app.stop(), backend.close()]).then(() => process.exit(0));
});
