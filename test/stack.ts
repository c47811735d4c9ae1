import type { SlackMessageEvent } from '../src/webhooks/slack-events.types';
import { ThreadReader } from './conversation';
import { envelope } from './factories';
import type { FakeSlackServer } from './fakes/fake-slack-server';
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
  type Workspace,
} from './utils';

/** The real app in this process, a fake Slack and a workspace of two bots, ready for mentions. */
export interface Stack {
  readonly slack: FakeSlackServer;
  readonly app: TestApp;
  readonly workspace: Workspace;
  readonly threads: ThreadReader;
  /** Delivers an event as Slack would, signed for `bot`, and expects the 200. */
  send(event: SlackMessageEvent, bot?: keyof typeof BOTS): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly workspace?: Parameters<typeof makeWorkspace>[0];
  readonly env?: Record<string, string>;
  /** How the spec's Redis database is made empty for it; by default, all of it. */
  readonly clear?: (db: number) => Promise<void>;
}

export async function startStack(db: number, options: StackOptions = {}): Promise<Stack> {
  await (options.clear ?? flushRedis)(db);
  const slack = await startFakeSlack();
  const workspace = makeWorkspace(options.workspace);
  const app = await startApp(appEnvironment(workspace, slack, db, options.env));
  await waitFor(async () => (await fetch(`${app.url}/health/ready`)).status === 200, { message: 'readiness' });
  const send = async (event: SlackMessageEvent, bot: keyof typeof BOTS = 'backend') => {
    const body = envelope(event, { api_app_id: BOTS[bot].appId });
    const response = await postSigned(`${app.url}/webhooks/slack`, body, { secret: BOTS[bot].signingSecret });
    expect(response.status).toBe(200);
  };
  const close = async () => {
    await app.close();
    await slack.stop();
  };
  return { slack, app, workspace, threads: new ThreadReader(slack, workspace), send, close };
}
