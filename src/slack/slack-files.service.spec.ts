import type { PinoLogger } from 'nestjs-pino';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { botConfig, IDS } from '../../test/factories';
import { FILE_DOWNLOAD_METHOD, FakeSlackServer, type HostedFile } from '../../test/fakes/fake-slack-server';
import { MiB } from '../common/bytes';
import { loadConfig } from '../config/load-config';
import { SlackFilesService, slackFileRef, type SlackFileRef } from './slack-files.service';

const bot = botConfig();
const quietLogger = { setContext: () => undefined, warn: () => undefined } as unknown as PinoLogger;

/** Somewhere that is not Slack, such as its CDN: records what it was sent, and serves bytes with their length. */
class ForeignHost {
  readonly requests: IncomingHttpHeaders[] = [];
  private server: Server | undefined;
  constructor(private readonly content: Buffer) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(this.content.length) });
      res.end(this.content);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const refOf = (file: HostedFile, overrides: Partial<SlackFileRef> = {}): SlackFileRef => ({
  ...(slackFileRef(file) as SlackFileRef),
  ...overrides,
});

describe('SlackFilesService against the fake Slack', () => {
  const fake = new FakeSlackServer([{ token: bot.token, userId: IDS.botUser, botId: IDS.botId, teamId: IDS.team }]);
  const cdnContent = randomBytes(64 * 1024);
  const cdn = new ForeignHost(cdnContent);
  const folder = mkdtempSync(join(tmpdir(), 'orchestrator-slack-files-'));
  let files: SlackFilesService;
  let destinations = 0;
  const destination = () => join(folder, `file-${++destinations}`);

  beforeAll(async () => {
    await Promise.all([fake.start(), cdn.start()]);
    const config = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: fake.url });
    files = new SlackFilesService(config, quietLogger);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await Promise.all([fake.stop(), cdn.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('downloads a file with the bot token', async () => {
    const content = randomBytes(300 * 1024);
    const file = fake.hostFile('trace.bin', content);
    const path = destination();

    await expect(files.download(bot, refOf(file), path, MiB)).resolves.toEqual({ bytes: content.length });

    expect(readFileSync(path).equals(content)).toBe(true);
    expect(fake.calls(FILE_DOWNLOAD_METHOD).map((call) => call.token)).toEqual([bot.token]);
  });

  it('refuses a file Slack says is too large without asking for it', async () => {
    const file = fake.hostFile('big.log', Buffer.alloc(2 * MiB));

    await expect(files.download(bot, refOf(file), destination(), MiB)).resolves.toEqual({
      skipped: 'too_large',
      reason: 'it is larger than 1 MB',
    });
    expect(fake.calls(FILE_DOWNLOAD_METHOD)).toHaveLength(0);
  });

  it('stops a download that passes the cap, and removes what it wrote', async () => {
    const file = fake.hostFile('growing.log', randomBytes(3 * MiB));
    const path = destination();

    const outcome = await files.download(bot, refOf(file, { size: undefined }), path, MiB);

    expect(outcome).toMatchObject({ skipped: 'too_large' });
    expect(existsSync(path)).toBe(false);
  });

  it('follows Slack to its CDN without sending the token there', async () => {
    const file = fake.hostFile('report.pdf', Buffer.alloc(0), 'application/pdf', { redirectTo: cdn.url('/cdn/1') });
    const path = destination();

    await expect(files.download(bot, refOf(file), path, MiB)).resolves.toEqual({ bytes: cdnContent.length });

    expect(readFileSync(path).equals(cdnContent)).toBe(true);
    expect(fake.calls(FILE_DOWNLOAD_METHOD)[0].token).toBe(bot.token);
    expect(cdn.requests).toHaveLength(1);
    expect(cdn.requests[0].authorization).toBeUndefined();
  });

  it('trusts the declared length of a CDN answer over the cap', async () => {
    const file = fake.hostFile('report.pdf', Buffer.alloc(0), 'application/pdf', { redirectTo: cdn.url('/cdn/2') });
    const path = destination();

    await expect(files.download(bot, refOf(file, { size: undefined }), path, 1024)).resolves.toMatchObject({
      skipped: 'too_large',
    });
    expect(existsSync(path)).toBe(false);
  });

  it('never sends the token to an address that is not Slack', async () => {
    const requestsBefore = cdn.requests.length;
    const foreign: SlackFileRef = { id: 'F0EVIL', name: 'x.pdf', url: cdn.url('/files-pri/F0EVIL/x.pdf') };

    await expect(files.download(bot, foreign, destination(), MiB)).resolves.toEqual({
      skipped: 'failed',
      reason: 'its address is not a Slack file address',
    });
    expect(cdn.requests).toHaveLength(requestsBefore);
  });

  it("tells Slack's sign-in page from the file", async () => {
    const file = fake.hostFile('notes.txt', Buffer.from('secret notes'), 'text/plain');
    const stranger = botConfig({ token: 'xoxb-not-known-to-slack' });
    const path = destination();

    const outcome = await files.download(stranger, refOf(file), path, MiB);

    expect(outcome).toEqual({
      skipped: 'failed',
      reason: 'Slack answered with its sign-in page (does the app have the files:read scope?)',
    });
    expect(existsSync(path)).toBe(false);
  });

  it('reports an error answer as a failed download', async () => {
    const file = fake.hostFile('gone.txt', Buffer.from('x'));
    fake.failNext(FILE_DOWNLOAD_METHOD, { status: 404 });

    await expect(files.download(bot, refOf(file), destination(), MiB)).resolves.toEqual({
      skipped: 'failed',
      reason: 'Slack answered HTTP 404',
    });
  });

  it('reads the downloadable files out of a message event', () => {
    const base = { id: 'F1', name: 'a.txt', mimetype: 'text/plain', size: 3 };
    expect(
      slackFileRef({
        ...base,
        url_private: 'https://files.slack.com/p',
        url_private_download: 'https://files.slack.com/d',
      }),
    ).toEqual({
      ...base,
      url: 'https://files.slack.com/d',
    });
    expect(slackFileRef({ id: 'F2', title: 'Untitled', url_private: 'https://files.slack.com/p' })).toMatchObject({
      name: 'Untitled',
      url: 'https://files.slack.com/p',
    });
    expect(slackFileRef({ ...base, mode: 'external', url_private: 'https://files.slack.com/p' })).toBeUndefined();
    expect(slackFileRef({ ...base, mode: 'tombstone' })).toBeUndefined();
  });
});
