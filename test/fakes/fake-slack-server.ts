/**
 * In-process fake of the Slack Web API for e2e tests (and a standalone demo server).
 *
 * Speaks what @slack/web-api 8 sends: `POST /api/<method>` with a Bearer token and a
 * form-encoded body (JSON bodies are accepted too). Answers with Slack's JSON shapes and
 * error codes, keeps a per-channel message store, and records every call for assertions.
 *
 * Standalone (Node 24 strips the types, so only erasable TypeScript and node: imports here):
 *   node test/fakes/fake-slack-server.ts --port 4010 \
 *     --bot xoxb-demo-token:U0DEMOBOT01:B0DEMOBOT01:T0DEMO0001:A0DEMO00001[:name] [--strict]
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBotIdentity {
  token: string;
  userId: string;
  botId: string;
  teamId: string;
  appId?: string;
  name?: string;
  /** Answered by auth.test as `enterprise_id`, as for an app installed in an Enterprise Grid organisation. */
  enterpriseId?: string;
}

export interface RecordedCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  at: number;
  /** HTTP status answered; 0 when the connection was dropped (see setUnreachable). */
  status: number;
  /** Slack error code when the answer was not `ok:true`. */
  error?: string;
}

/**
 * status 429 => `Retry-After` header + `{"ok":false,"error":"ratelimited"}`; other non-200 status => that
 * status; error => HTTP 200 `{"ok":false,"error":...}`. delayMs alone just slows a normal answer down.
 */
export interface InjectedFailure {
  status?: number;
  error?: string;
  retryAfter?: number;
  delayMs?: number;
}

export interface FakeSlackOptions {
  /**
   * Unknown message ts => `message_not_found` from reactions.*. Off by default: tests deliver mentions
   * straight to the service, so the fake never saw those messages.
   */
  strictMessages?: boolean;
  /** Total text across blocks above which chat.postMessage/update answer `msg_blocks_too_long` (default 12,000). */
  maxBlocksTextChars?: number;
  /**
   * Most messages conversations.replies answers per page, whatever `limit` asks (default 1,000). 15 plays
   * an app outside the Marketplace under Slack's 2025 limits.
   */
  repliesPageMax?: number;
  /** Called after each recorded call, e.g. to log it. */
  onCall?: (call: RecordedCall) => void;
}

export interface StoredMessage {
  type: 'message';
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  /** Slack Connect: the author's own workspace, and the workspace the message was sent from. */
  user_team?: string;
  source_team?: string;
  /** Legacy integrations post under a name of their own. */
  username?: string;
  text?: string;
  markdown_text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  files?: Record<string, unknown>[];
  upload?: boolean;
  edited?: { user: string; ts: string };
  bot_profile?: Record<string, unknown>;
}

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  size: number;
  content: Buffer;
  user: string;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
}

/** Pseudo method name under which the POSTs to an `upload_url` are recorded (and can be failed). */
export const UPLOAD_METHOD = 'upload';

/** Pseudo method name under which downloads of hosted files (`GET /files-pri/…`) are recorded (and can be failed). */
export const FILE_DOWNLOAD_METHOD = 'files-pri';

/** A file as a message event carries it, its URLs pointing at the fake. */
export interface HostedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export interface HostFileOptions {
  /** Answer an authorised download with a redirect here, as Slack does to its CDN. */
  redirectTo?: string;
}

type Args = Record<string, unknown>;

/** What a test may say of a message it seeds. */
type SeededMessage = Pick<
  StoredMessage,
  'user' | 'text' | 'thread_ts' | 'team' | 'user_team' | 'source_team' | 'bot_id' | 'username'
> & { text: string; ts?: string };
type SlackBody = { ok: boolean; error?: string; [key: string]: unknown };
type CallPredicate = (call: RecordedCall) => boolean;
type Handler = (bot: FakeBotIdentity, args: Args) => SlackBody;

interface Reply {
  status: number;
  /** A Buffer is sent as it is (hosted files). */
  body: SlackBody | string | Buffer;
  headers?: Record<string, string>;
}

interface Waiter {
  method: string;
  count: number;
  predicate?: CallPredicate;
  resolve: (calls: RecordedCall[]) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface MessageContent {
  text?: string;
  markdown_text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  botId: string;
  content?: Buffer;
}

interface UploadedPart {
  filename: string;
  data: Buffer;
}

const JSON_ARGS = ['blocks', 'attachments', 'metadata', 'files'];
const MARKDOWN_TEXT_MAX = 12_000;
const TEXT_TRUNCATED_AT = 40_000;
const MAX_BLOCKS = 50;
const SECTION_TEXT_MAX = 3_000;
const HEADER_TEXT_MAX = 150;
const MAX_ATTACHMENTS = 100;
const REPLIES_PAGE_MAX = 1_000;
const SIGN_IN_PATH = '/signin';
const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>';
const EMOJI_NAME = /^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/;

export class FakeSlackServer {
  private readonly bots = new Map<string, FakeBotIdentity>();
  private strictMessages: boolean;
  private readonly maxBlocksTextChars: number;
  private readonly repliesPageMax: number;
  private readonly onCall?: (call: RecordedCall) => void;
  private server: Server | undefined;
  private unreachable = false;
  private recorded: RecordedCall[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly delayedReplies = new Set<ReturnType<typeof setTimeout>>();
  private failures = new Map<string, InjectedFailure[]>();
  /** Per channel, sorted by ts. */
  private channels = new Map<string, StoredMessage[]>();
  /** `${channel} ${ts}` -> emoji name -> users who reacted. Kept apart so unknown messages can carry reactions. */
  private reactionsByMessage = new Map<string, Map<string, Set<string>>>();
  private lastTsMicros = new Map<string, number>();
  private uploads = new Map<string, PendingUpload>();
  private uploadedFiles: StoredFile[] = [];
  private fileCounter = 0;
  private hostedFiles = new Map<string, { content: Buffer; mimetype: string; redirectTo?: string }>();
  private hostedCounter = 0;

  private readonly methods: Record<string, Handler> = {
    'auth.test': (bot) => this.authTest(bot),
    'chat.postMessage': (bot, args) => this.postMessage(bot, args),
    'chat.update': (bot, args) => this.updateMessage(bot, args),
    'chat.delete': (bot, args) => this.deleteMessage(bot, args),
    'chat.postEphemeral': (bot, args) => this.postEphemeral(bot, args),
    'reactions.add': (bot, args) => this.addReaction(bot, args),
    'reactions.remove': (bot, args) => this.removeReaction(bot, args),
    'conversations.replies': (_bot, args) => this.replies(args),
    'files.getUploadURLExternal': (bot, args) => this.getUploadUrl(bot, args),
    'files.completeUploadExternal': (bot, args) => this.completeUpload(bot, args),
  };

  constructor(bots: FakeBotIdentity[] = [], options: FakeSlackOptions = {}) {
    for (const bot of bots) this.addBot(bot);
    this.strictMessages = options.strictMessages ?? false;
    this.maxBlocksTextChars = options.maxBlocksTextChars ?? 12_000;
    this.repliesPageMax = options.repliesPageMax ?? REPLIES_PAGE_MAX;
    this.onCall = options.onCall;
  }

  async start(port = 0): Promise<void> {
    if (this.server) throw new Error('FakeSlackServer already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake slack crashed: ${String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const timer of this.delayedReplies) clearTimeout(timer);
    this.delayedReplies.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`FakeSlackServer stopped while waiting for ${waiter.method}`));
    }
    this.waiters.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // keep-alive sockets of the client would otherwise hold close() open for seconds
    server.closeAllConnections();
    await closed;
  }

  /** Base URL with trailing slash, what the service gets as SLACK_API_URL. */
  get url(): string {
    return `${this.origin}/api/`;
  }

  addBot(bot: FakeBotIdentity): void {
    this.bots.set(bot.token, bot);
  }

  setStrictMessages(flag: boolean): void {
    this.strictMessages = flag;
  }

  /** While set, every request is read and then answered by destroying the socket (Slack "down"). */
  setUnreachable(flag: boolean): void {
    this.unreachable = flag;
    // idle keep-alive connections would otherwise still be reused by the client
    if (flag) this.server?.closeIdleConnections();
  }

  failNext(method: string, failure: InjectedFailure, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.failures.set(method, queue);
  }

  calls(method?: string): RecordedCall[] {
    return method ? this.recorded.filter((call) => call.method === method) : [...this.recorded];
  }

  async waitForCall(method: string, predicate?: CallPredicate, timeoutMs = 10_000): Promise<RecordedCall> {
    const [call] = await this.waitForCalls(method, 1, predicate, timeoutMs);
    return call;
  }

  waitForCalls(method: string, count: number, predicate?: CallPredicate, timeoutMs = 10_000): Promise<RecordedCall[]> {
    const matching = this.matching(method, predicate);
    if (matching.length >= count) return Promise.resolve(matching.slice(0, count));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        count,
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(this.describeTimeout(waiter, timeoutMs)));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** What bots posted (and updated) in the channel, oldest first. */
  messages(channel: string): StoredMessage[] {
    return structuredClone((this.channels.get(channel) ?? []).filter((message) => message.bot_id !== undefined));
  }

  reactions(channel: string, ts: string): string[] {
    return [...(this.reactionsByMessage.get(reactionKey(channel, ts))?.keys() ?? [])];
  }

  /** Files completed through files.completeUploadExternal, optionally only those shared to one channel. */
  files(channel?: string): StoredFile[] {
    return this.uploadedFiles.filter((file) => channel === undefined || file.channel === channel);
  }

  /**
   * Seeds a human message so replies, reactions and conversations.replies can refer to it; `user_team`
   * and `source_team` make it a message of another organisation's member. Returns its ts.
   */
  addUserMessage(channel: string, msg: SeededMessage & { user: string }): string {
    return this.seed(channel, msg);
  }

  /** Seeds a message of another app or integration (with `bot_id`), for conversations.replies. Returns its ts. */
  addOtherBotMessage(channel: string, msg: SeededMessage & { bot_id: string; username?: string }): string {
    return this.seed(channel, msg);
  }

  /**
   * Hosts a file as if a user had shared it: its `url_private` answers the bytes to a known bot token, and
   * sends anyone else to a sign-in page, like Slack. Returns the file as a message event carries it. Call
   * after start(): the URLs name the fake's port.
   */
  hostFile(
    name: string,
    content: Buffer,
    mimetype = 'application/octet-stream',
    options: HostFileOptions = {},
  ): HostedFile {
    this.hostedCounter += 1;
    const id = `F0HOST${String(this.hostedCounter).padStart(5, '0')}`;
    this.hostedFiles.set(id, compact({ content, mimetype, redirectTo: options.redirectTo }));
    const path = `${this.origin}/files-pri/${id}`;
    // A URL parser resolves a `.` or `..` segment, however encoded; Slack never puts one there either.
    const segment = /^\.+$/.test(name) ? 'file' : encodeURIComponent(name);
    return {
      id,
      name,
      title: name,
      mimetype,
      filetype: /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? 'binary',
      size: content.length,
      url_private: `${path}/${segment}`,
      url_private_download: `${path}/download/${segment}`,
    };
  }

  reset(): void {
    this.recorded = [];
    this.failures = new Map();
    this.channels = new Map();
    this.reactionsByMessage = new Map();
    this.lastTsMicros = new Map();
    this.uploads = new Map();
    this.uploadedFiles = [];
    this.hostedFiles = new Map();
    this.unreachable = false;
  }

  // --- HTTP -------------------------------------------------------------------------------------

  private get origin(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FakeSlackServer is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake-slack');
    const raw = await readBody(req);
    const token = bearerToken(req.headers.authorization);
    if (req.method === 'GET' && url.pathname === SIGN_IN_PATH) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN_PAGE);
      return;
    }
    const hostedId = /^\/files-pri\/(\w+)\/(?:download\/)?[^/]+$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && hostedId) {
      this.serveHostedFile(req, res, { method: FILE_DOWNLOAD_METHOD, token, args: { file_id: hostedId }, at });
      return;
    }
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    const uploadId = /^\/upload\/v1\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (!apiMethod && !uploadId) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const method = apiMethod ?? UPLOAD_METHOD;

    const parsed = await parseArgs(req.headers['content-type'] ?? '', raw, url.searchParams).catch(() => undefined);
    const args: Args = { ...parsed, ...(uploadId ? { file_id: uploadId } : {}) };
    const call = { method, token, args, at };
    if (this.unreachable) {
      this.record(call, { status: 0, body: failure('unreachable') });
      req.socket.destroy();
      return;
    }
    if (!parsed) {
      this.reply(res, this.record(call, { status: 200, body: failure('invalid_form_data') }));
      return;
    }
    const injected = this.takeFailure(method);
    const reply =
      injectedReply(injected) ?? (uploadId ? this.receiveUpload(uploadId, args) : this.callMethod(method, token, args));
    this.reply(res, this.record(call, reply), injected?.delayMs);
  }

  private callMethod(method: string, token: string | undefined, args: Args): Reply {
    const handler = this.methods[method];
    if (!handler) return { status: 200, body: failure('unknown_method', { req_method: method }) };
    if (!token) return { status: 200, body: failure('not_authed') };
    const bot = this.bots.get(token);
    if (!bot) return { status: 200, body: failure('invalid_auth') };
    return { status: 200, body: handler(bot, args) };
  }

  private reply(res: ServerResponse, reply: Reply, delayMs = 0): void {
    const send = (): void => {
      const body = reply.body;
      const isJson = typeof body !== 'string' && !Buffer.isBuffer(body);
      res.writeHead(reply.status, {
        'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
        ...reply.headers,
      });
      res.end(isJson ? JSON.stringify(body) : body);
    };
    if (delayMs <= 0) return send();
    const timer = setTimeout(() => {
      this.delayedReplies.delete(timer);
      send();
    }, delayMs);
    this.delayedReplies.add(timer);
  }

  private takeFailure(method: string): InjectedFailure | undefined {
    const queue = this.failures.get(method);
    const next = queue?.shift();
    if (queue?.length === 0) this.failures.delete(method);
    return next;
  }

  private serveHostedFile(
    req: IncomingMessage,
    res: ServerResponse,
    call: Omit<RecordedCall, 'status' | 'error'>,
  ): void {
    if (this.unreachable) {
      this.record(call, { status: 0, body: failure('unreachable') });
      req.socket.destroy();
      return;
    }
    const injected = this.takeFailure(FILE_DOWNLOAD_METHOD);
    const reply =
      injectedReply(injected) ?? this.hostedFileReply(String(call.args.file_id), call.token, req.url ?? '/');
    this.reply(res, this.record(call, reply), injected?.delayMs);
  }

  /** The bytes to a known bot token; anyone else goes to the sign-in page (Slack redirects, it does not 401). */
  private hostedFileReply(id: string, token: string | undefined, path: string): Reply {
    const hosted = this.hostedFiles.get(id);
    if (!hosted) return { status: 404, body: 'Not Found' };
    if (token === undefined || !this.bots.has(token)) {
      return {
        status: 302,
        body: '',
        headers: { location: `${this.origin}${SIGN_IN_PATH}?redir=${encodeURIComponent(path)}` },
      };
    }
    if (hosted.redirectTo !== undefined) return { status: 302, body: '', headers: { location: hosted.redirectTo } };
    return { status: 200, body: hosted.content, headers: { 'content-type': hosted.mimetype } };
  }

  // --- recording --------------------------------------------------------------------------------

  private record(call: Omit<RecordedCall, 'status' | 'error'>, reply: Reply): Reply {
    const error = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? undefined : reply.body.error;
    const recorded: RecordedCall = compact({ ...call, status: reply.status, error });
    this.recorded.push(recorded);
    this.onCall?.(recorded);
    for (const waiter of this.waiters) {
      const matching = this.matching(waiter.method, waiter.predicate);
      if (matching.length < waiter.count) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(matching.slice(0, waiter.count));
    }
    return reply;
  }

  private matching(method: string, predicate?: CallPredicate): RecordedCall[] {
    return this.recorded.filter((call) => call.method === method && (!predicate || predicate(call)));
  }

  private describeTimeout(waiter: Waiter, timeoutMs: number): string {
    const found = this.matching(waiter.method, waiter.predicate).length;
    const seen = this.recorded.map((call) => `  ${describeCall(call)}`).join('\n') || '  (none)';
    const what = `${waiter.count} ${waiter.method} call(s)${waiter.predicate ? ' matching the predicate' : ''}`;
    return `FakeSlackServer: timed out after ${timeoutMs} ms waiting for ${what}; ${found} matched. Calls seen:\n${seen}`;
  }

  // --- methods ----------------------------------------------------------------------------------

  private authTest(bot: FakeBotIdentity): SlackBody {
    return compact({
      ok: true,
      url: `https://fake-${bot.teamId.toLowerCase()}.slack.com/`,
      team: `Fake workspace ${bot.teamId}`,
      user: bot.name ?? 'fake-bot',
      team_id: bot.teamId,
      user_id: bot.userId,
      bot_id: bot.botId,
      app_id: bot.appId,
      enterprise_id: bot.enterpriseId,
      is_enterprise_install: false,
    });
  }

  private postMessage(bot: FakeBotIdentity, args: Args): SlackBody {
    const channel = stringArg(args.channel);
    if (!channel) return failure('channel_not_found');
    const content = this.checkContent(args);
    if (typeof content === 'string') return failure(content);
    const truncated = (content.text?.length ?? 0) > TEXT_TRUNCATED_AT;
    if (truncated) content.text = content.text?.slice(0, TEXT_TRUNCATED_AT);

    const threadTs = stringArg(args.thread_ts);
    const message: StoredMessage = compact({
      ...this.botAuthor(bot),
      ts: this.nextTs(channel),
      ...content,
      metadata: args.metadata,
      thread_ts: threadTs,
      parent_user_id: threadTs ? this.findMessage(channel, threadTs)?.user : undefined,
    });
    this.store(channel, message);
    const warnings = truncated
      ? { warning: 'message_truncated', response_metadata: { warnings: ['message_truncated'] } }
      : {};
    return { ok: true, channel, ts: message.ts, message: publicMessage(message), ...warnings };
  }

  private updateMessage(bot: FakeBotIdentity, args: Args): SlackBody {
    const found = this.ownMessage(bot, args, 'cant_update_message');
    if (typeof found === 'string') return failure(found);
    const { channel, message } = found;
    const content = this.checkContent(args);
    if (typeof content === 'string') return failure(content);
    if ((content.text?.length ?? 0) > TEXT_TRUNCATED_AT) return failure('msg_too_long');

    if (content.markdown_text !== undefined) {
      message.markdown_text = content.markdown_text;
      delete message.text;
      delete message.blocks;
    } else {
      delete message.markdown_text;
      // Slack keeps the previous blocks/attachments/metadata when an update omits them
      if (content.text !== undefined) message.text = content.text;
      if (content.blocks !== undefined) message.blocks = content.blocks;
    }
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    message.edited = { user: bot.userId, ts: this.nextTs(channel) };
    return { ok: true, channel, ts: message.ts, text: message.text ?? '', message: publicMessage(message) };
  }

  private deleteMessage(bot: FakeBotIdentity, args: Args): SlackBody {
    const found = this.ownMessage(bot, args, 'cant_delete_message');
    if (typeof found === 'string') return failure(found);
    const { channel, message } = found;
    const messages = this.channels.get(channel) ?? [];
    messages.splice(messages.indexOf(message), 1);
    this.reactionsByMessage.delete(reactionKey(channel, message.ts));
    return { ok: true, channel, ts: message.ts };
  }

  private postEphemeral(_bot: FakeBotIdentity, args: Args): SlackBody {
    const channel = stringArg(args.channel);
    if (!channel) return failure('channel_not_found');
    if (!stringArg(args.user)) return failure('user_not_in_channel');
    const content = this.checkContent(args);
    if (typeof content === 'string') return failure(content);
    return { ok: true, message_ts: this.nextTs(channel) };
  }

  private addReaction(bot: FakeBotIdentity, args: Args): SlackBody {
    const target = this.reactionTarget(args);
    if (typeof target === 'string') return failure(target);
    const byName = this.reactionsByMessage.get(target.key) ?? new Map<string, Set<string>>();
    const users = byName.get(target.name) ?? new Set<string>();
    if (users.has(bot.userId)) return failure('already_reacted');
    users.add(bot.userId);
    byName.set(target.name, users);
    this.reactionsByMessage.set(target.key, byName);
    return { ok: true };
  }

  private removeReaction(bot: FakeBotIdentity, args: Args): SlackBody {
    const target = this.reactionTarget(args);
    if (typeof target === 'string') return failure(target);
    const byName = this.reactionsByMessage.get(target.key);
    const users = byName?.get(target.name);
    if (!byName || !users?.delete(bot.userId)) return failure('no_reaction');
    if (users.size === 0) byName.delete(target.name);
    return { ok: true };
  }

  private replies(args: Args): SlackBody {
    const channel = stringArg(args.channel);
    if (!channel) return failure('channel_not_found');
    const ts = stringArg(args.ts);
    const start = ts ? this.findMessage(channel, ts) : undefined;
    const parentTs = start?.thread_ts ?? start?.ts ?? ts;
    const parent = parentTs ? this.findMessage(channel, parentTs) : undefined;
    const replies = (this.channels.get(channel) ?? []).filter((m) => m.thread_ts === parentTs && m.ts !== parentTs);
    // A person's message the fake was never told about (it came as an event) still has its thread in Slack.
    if (!parent && replies.length === 0) return failure('thread_not_found');

    const views = [...(parent ? [threadParent(parent, replies)] : []), ...replies.map(publicMessage)];
    const thread = views.map((view) => this.withReactions(channel, view));

    const offset = decodeCursor(args.cursor);
    if (offset === undefined) return failure('invalid_cursor');
    const limit = Math.min(Number(args.limit) || this.repliesPageMax, this.repliesPageMax);
    const page = thread.slice(offset, offset + limit);
    const hasMore = offset + limit < thread.length;
    return {
      ok: true,
      messages: page,
      has_more: hasMore,
      response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : '' },
    };
  }

  private getUploadUrl(bot: FakeBotIdentity, args: Args): SlackBody {
    const filename = stringArg(args.filename);
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length < 0) return failure('invalid_arguments');
    this.fileCounter += 1;
    const id = `F0FAKE${String(this.fileCounter).padStart(5, '0')}`;
    this.uploads.set(id, { id, filename, length, botId: bot.botId });
    return { ok: true, upload_url: `${this.origin}/upload/v1/${id}`, file_id: id };
  }

  private receiveUpload(id: string, args: Args): Reply {
    const upload = this.uploads.get(id);
    if (!upload) return { status: 404, body: 'Not Found' };
    const part = args.body;
    if (isUploadedPart(part)) upload.content = part.data;
    else if (typeof part === 'string') upload.content = Buffer.from(part);
    else return { status: 400, body: 'Missing body part' };
    return { status: 200, body: `OK - ${upload.content.length}` };
  }

  private completeUpload(bot: FakeBotIdentity, args: Args): SlackBody {
    if (!Array.isArray(args.files) || args.files.length === 0) return failure('invalid_arguments');
    const requested = args.files as { id?: string; title?: string }[];
    const uploads = requested.map((file) => (file.id ? this.uploads.get(file.id) : undefined));
    if (uploads.some((upload) => !upload?.content || upload.botId !== bot.botId)) return failure('file_not_found');

    const channel = stringArg(args.channel_id);
    const threadTs = channel ? stringArg(args.thread_ts) : undefined;
    const initialComment = stringArg(args.initial_comment);
    const stored = requested.map((file, i) => {
      const upload = uploads[i] as PendingUpload & { content: Buffer };
      this.uploads.delete(upload.id);
      return compact<StoredFile>({
        id: upload.id,
        name: upload.filename,
        title: file.title ?? upload.filename,
        size: upload.content.length,
        content: upload.content,
        user: bot.userId,
        channel,
        thread_ts: threadTs,
        initial_comment: initialComment,
      });
    });
    this.uploadedFiles.push(...stored);

    const files = stored.map((file) => fileObject(file));
    if (channel) {
      // sharing files posts a message carrying them, like Slack does
      this.store(
        channel,
        compact<StoredMessage>({
          ...this.botAuthor(bot),
          ts: this.nextTs(channel),
          text: initialComment ?? '',
          blocks: initialComment ? undefined : (args.blocks as unknown[] | undefined),
          files,
          upload: true,
          thread_ts: threadTs,
        }),
      );
    }
    return { ok: true, files };
  }

  // --- helpers over the store ---------------------------------------------------------------------

  /** Either the message content of a post/update or a Slack error code. */
  private checkContent(args: Args): MessageContent | string {
    const text = nonEmpty(args.text);
    const markdownText = nonEmpty(args.markdown_text);
    const { blocks, attachments } = args;
    if (markdownText !== undefined) {
      if (text !== undefined || blocks !== undefined) return 'markdown_text_conflict';
      if (markdownText.length > MARKDOWN_TEXT_MAX) return 'msg_too_long';
      return { markdown_text: markdownText };
    }
    if (blocks !== undefined) {
      if (!Array.isArray(blocks)) return 'invalid_blocks_format';
      if (blocks.length > MAX_BLOCKS || !blocks.every(isValidBlock)) return 'invalid_blocks';
      if (textLength(blocks) > this.maxBlocksTextChars) return 'msg_blocks_too_long';
    }
    if (attachments !== undefined) {
      if (!Array.isArray(attachments)) return 'invalid_attachments';
      if (attachments.length > MAX_ATTACHMENTS) return 'too_many_attachments';
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (text === undefined && !hasBlocks && !hasAttachments) return 'no_text';
    return compact({
      text,
      blocks: blocks as unknown[] | undefined,
      attachments: attachments as unknown[] | undefined,
    });
  }

  private ownMessage(
    bot: FakeBotIdentity,
    args: Args,
    notOwnError: string,
  ): { channel: string; message: StoredMessage } | string {
    const channel = stringArg(args.channel);
    if (!channel) return 'channel_not_found';
    const ts = stringArg(args.ts);
    const message = ts ? this.findMessage(channel, ts) : undefined;
    if (!message) return 'message_not_found';
    if (message.bot_id !== bot.botId) return notOwnError;
    return { channel, message };
  }

  private reactionTarget(args: Args): { key: string; name: string } | string {
    const channel = stringArg(args.channel);
    if (!channel) return 'channel_not_found';
    const ts = stringArg(args.timestamp);
    if (!ts) return 'no_item_specified';
    const name = stringArg(args.name);
    if (!name || !EMOJI_NAME.test(name)) return 'invalid_name';
    if (this.strictMessages && !this.findMessage(channel, ts)) return 'message_not_found';
    return { key: reactionKey(channel, ts), name };
  }

  private withReactions(channel: string, view: Record<string, unknown>): Record<string, unknown> {
    const byName = this.reactionsByMessage.get(reactionKey(channel, String(view.ts)));
    if (!byName?.size) return view;
    const reactions = [...byName].map(([name, users]) => ({ name, users: [...users], count: users.size }));
    return { ...view, reactions };
  }

  private botAuthor(bot: FakeBotIdentity): Omit<StoredMessage, 'ts'> {
    return compact({
      type: 'message' as const,
      user: bot.userId,
      bot_id: bot.botId,
      app_id: bot.appId,
      team: bot.teamId,
      bot_profile: compact({
        id: bot.botId,
        deleted: false,
        name: bot.name ?? 'fake-bot',
        app_id: bot.appId,
        team_id: bot.teamId,
      }),
    });
  }

  private seed(channel: string, msg: SeededMessage): string {
    const ts = msg.ts ?? this.nextTs(channel);
    if (this.findMessage(channel, ts)) throw new Error(`message ${ts} already exists in ${channel}`);
    this.lastTsMicros.set(channel, Math.max(this.lastTsMicros.get(channel) ?? 0, tsToMicros(ts)));
    this.store(channel, compact({ type: 'message' as const, ...msg, ts }));
    return ts;
  }

  private findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.channels.get(channel)?.find((message) => message.ts === ts);
  }

  private store(channel: string, message: StoredMessage): void {
    const messages = this.channels.get(channel) ?? [];
    const micros = tsToMicros(message.ts);
    const index = messages.findIndex((other) => tsToMicros(other.ts) > micros);
    messages.splice(index === -1 ? messages.length : index, 0, message);
    this.channels.set(channel, messages);
  }

  /** `"<epoch seconds>.<6 digits>"`, strictly increasing per channel. */
  private nextTs(channel: string): string {
    const micros = Math.max(Date.now() * 1000, (this.lastTsMicros.get(channel) ?? 0) + 1);
    this.lastTsMicros.set(channel, micros);
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

// --- pure helpers -------------------------------------------------------------------------------

function failure(error: string, extra: Record<string, unknown> = {}): SlackBody {
  return { ok: false, error, ...extra };
}

function injectedReply(injected: InjectedFailure | undefined): Reply | undefined {
  if (injected?.status === 429) {
    return {
      status: 429,
      body: failure('ratelimited'),
      headers: { 'retry-after': String(injected.retryAfter ?? 1) },
    };
  }
  if (injected?.status !== undefined && injected.status !== 200) {
    return { status: injected.status, body: failure(injected.error ?? 'internal_error') };
  }
  if (injected?.error) return { status: 200, body: failure(injected.error) };
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseArgs(contentType: string, raw: Buffer, query: URLSearchParams): Promise<Args> {
  const args: Args = Object.fromEntries(query);
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') {
    if (raw.length > 0) Object.assign(args, JSON.parse(raw.toString('utf8')));
  } else if (mediaType === 'multipart/form-data') {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    for (const [key, value] of form) {
      args[key] =
        typeof value === 'string' ? value : { filename: value.name, data: Buffer.from(await value.arrayBuffer()) };
    }
  } else {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  }
  for (const key of JSON_ARGS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // left as a string; the method answers with its own format error
    }
  }
  return args;
}

function isUploadedPart(value: unknown): value is UploadedPart {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedPart).data);
}

function stringArg(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isValidBlock(block: unknown): boolean {
  if (typeof block !== 'object' || block === null || typeof (block as { type?: unknown }).type !== 'string') {
    return false;
  }
  const { type, text } = block as { type: string; text?: unknown };
  const content = typeof text === 'string' ? text : (text as { text?: unknown } | undefined)?.text;
  const length = typeof content === 'string' ? content.length : 0;
  if (type === 'section') return length <= SECTION_TEXT_MAX;
  if (type === 'header') return length <= HEADER_TEXT_MAX;
  if (type === 'markdown') return length <= MARKDOWN_TEXT_MAX;
  return true;
}

/** Sum of every `text` string inside the blocks (text objects nest: `{type, text: {type, text}}`). */
function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.entries(value).reduce(
    (sum: number, [key, item]) => sum + (key === 'text' && typeof item === 'string' ? item.length : textLength(item)),
    0,
  );
}

/** The parent as conversations.replies shows it, with the thread statistics Slack adds. */
function threadParent(parent: StoredMessage, replies: StoredMessage[]): Record<string, unknown> {
  const view = publicMessage(parent);
  if (replies.length === 0) return view;
  const users = [...new Set(replies.map((reply) => reply.user).filter((user) => user !== undefined))];
  return {
    ...view,
    thread_ts: parent.ts,
    reply_count: replies.length,
    reply_users: users,
    reply_users_count: users.length,
    latest_reply: replies[replies.length - 1].ts,
  };
}

function publicMessage(message: StoredMessage): Record<string, unknown> {
  return structuredClone(message) as unknown as Record<string, unknown>;
}

function fileObject(file: StoredFile): Record<string, unknown> {
  return compact({
    id: file.id,
    created: Math.floor(Date.now() / 1000),
    name: file.name,
    title: file.title,
    mimetype: 'text/plain',
    filetype: 'text',
    user: file.user,
    size: file.size,
    url_private: `https://files.slack.invalid/files-pri/${file.id}/${encodeURIComponent(file.name)}`,
    channels: file.channel ? [file.channel] : [],
  });
}

function reactionKey(channel: string, ts: string): string {
  return `${channel} ${ts}`;
}

function tsToMicros(ts: string): number {
  const [seconds, fraction = ''] = ts.split('.');
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeCursor(cursor: unknown): number | undefined {
  if (cursor === undefined || cursor === '') return 0;
  if (typeof cursor !== 'string') return undefined;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Drops undefined properties so stored messages and responses look like Slack's. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function describeCall(call: RecordedCall): string {
  let outcome = call.error ? `error=${call.error}` : 'ok';
  if (call.status === 0) outcome = 'connection dropped';
  else if (call.status !== 200) outcome = `HTTP ${call.status} ${outcome}`;
  return [call.method, summarizeArgs(call.args), '->', outcome].filter(Boolean).join(' ');
}

function summarizeArgs(args: Args): string {
  const interesting = [
    'channel',
    'channel_id',
    'thread_ts',
    'ts',
    'timestamp',
    'name',
    'user',
    'filename',
    'length',
    'file_id',
  ];
  const parts = interesting.filter((key) => args[key] !== undefined).map((key) => `${key}=${String(args[key])}`);
  const text = args.markdown_text ?? args.text ?? args.initial_comment;
  if (typeof text === 'string') {
    const oneLine = text.replace(/\s+/g, ' ');
    parts.push(`text=${JSON.stringify(oneLine.length > 100 ? `${oneLine.slice(0, 100)}…` : oneLine)}`);
  }
  if (Array.isArray(args.blocks)) parts.push(`blocks=${args.blocks.length}`);
  if (isUploadedPart(args.body)) parts.push(`bytes=${args.body.data.length}`);
  if (Array.isArray(args.files)) parts.push(`files=${args.files.map((file: { id?: string }) => file.id).join(',')}`);
  return parts.join(' ');
}

// --- standalone demo ----------------------------------------------------------------------------

function parseBot(spec: string): FakeBotIdentity {
  const [token, userId, botId, teamId, appId, name] = spec.split(':');
  if (!token || !userId || !botId || !teamId) {
    throw new Error(`--bot wants token:userId:botId:teamId[:appId[:name]], got "${spec}"`);
  }
  return compact({ token, userId, botId, teamId, appId: appId || undefined, name: name || undefined });
}

async function runStandalone(argv: string[]): Promise<void> {
  let port = 4010;
  let strictMessages = false;
  const bots: FakeBotIdentity[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--port') port = Number(argv[++i]);
    else if (flag === '--bot') bots.push(parseBot(argv[++i] ?? ''));
    else if (flag === '--strict') strictMessages = true;
    else throw new Error(`unknown option ${flag}; use --port N, --bot token:user:bot:team[:app[:name]], --strict`);
  }
  const server = new FakeSlackServer(bots, {
    strictMessages,
    onCall: (call) => console.log(`${new Date(call.at).toISOString()} ${describeCall(call)}`),
  });
  await server.start(port);
  console.log(
    `fake Slack listening, SLACK_API_URL=${server.url} (bots: ${bots.map((b) => b.userId).join(', ') || 'none'})`,
  );
  const shutdown = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

// Started directly (`node test/fakes/fake-slack-server.ts`) rather than imported by a spec.
if (/fake-slack-server\.ts$/.test(process.argv[1] ?? '')) {
  runStandalone(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
