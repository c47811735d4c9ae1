import { Injectable } from '@nestjs/common';
import { BotIdentityService } from '../bots/bot-identity.service';
import type { BotConfig } from '../bots/bot.types';
import type { RunClaudeJobData } from '../queue/queue.types';
import { ThreadHistoryService } from '../slack/thread-history.service';
import { JobFiles } from './job-files';
import { buildPrompt } from './prompt';
import { SessionRepository } from './session.repository';
import type { Thread } from './session.service';

/** What a first run of a message gets: its prompt, and the folder of its files on the agent side. */
export interface PreparedRun {
  readonly prompt: string;
  readonly addDirs: readonly string[];
}

/** A run that picks up one an earlier attempt did not finish gets this in place of the message. */
export const CONTINUE_PROMPT =
  'Your previous run on the request above was interrupted before you could answer. Please continue and answer it.';

/** Turns a message into a run: its files handed to the agent side, the thread's earlier messages read. */
@Injectable()
export class JobPrompts {
  constructor(
    private readonly files: JobFiles,
    private readonly sessions: SessionRepository,
    private readonly history: ThreadHistoryService,
    private readonly identities: BotIdentityService,
  ) {}

  async prepare(bot: BotConfig, jobId: string, thread: Thread, data: RunClaudeJobData): Promise<PreparedRun> {
    const files = await this.files.fetch(bot, jobId, data.files ?? []);
    const history = await this.historyFor(bot, thread, data);
    const prompt = buildPrompt({ text: data.text, history, filesNotice: this.files.promptNotice(files) });
    return { prompt, addDirs: files.dir === undefined ? [] : [files.dir] };
  }

  /** Removes the job's files; a failure is left to the agent side's hourly pruning. */
  async cleanup(bot: BotConfig, jobId: string): Promise<void> {
    await this.files.cleanup(bot, jobId);
  }

  /** Joining a thread it has no session for, the bot reads what was said before it was asked. */
  private async historyFor(bot: BotConfig, thread: Thread, data: RunClaudeJobData): Promise<string> {
    const identity = this.identities.identityOf(bot.id);
    const joinsThread = data.threadTs !== data.messageTs && identity !== undefined;
    if (!joinsThread || (await this.sessions.find(thread))) return '';
    return this.history.earlierMessages(bot, identity, data.channel, data.threadTs, data.messageTs);
  }
}
