// (c) What a user would pick instead: Slack Bolt with its default HTTP receiver and
// processBeforeResponse (so a 200 means the job is in Redis), doing the orchestrator's Redis work
// with the orchestrator's own sequence of calls (de-dupe, rate limit, Queue.add).
import bolt from '@slack/bolt';
import { connect, limitFromEnv, messageOf, sameAsOrchestrator } from './intake-work.mjs';

const { App, LogLevel } = bolt;
const backend = connect(process.env.REDIS_URL);
const limit = limitFromEnv();

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  token: process.env.SLACK_BOT_TOKEN,
  processBeforeResponse: true,
  logLevel: LogLevel.WARN,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});

app.event('app_mention', async ({ body, context }) => {
  const message = messageOf(body, context.botUserId);
  if (message) await sameAsOrchestrator(backend, 'bench', message, limit);
});

await app.start({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void Promise.allSettled([app.stop(), backend.queue.close(), backend.redis.quit()]).then(() => process.exit(0));
});
