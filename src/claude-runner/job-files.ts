import { Injectable } from '@nestjs/common';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertJobId } from '../agent/agent-paths';
import { AgentSupervisor } from '../agent/agent-supervisor';
import { UniqueNames } from './unique-file-names';
import type { BotConfig } from '../bots/bot.types';
import { formatBytes, MiB } from '../common/bytes';
import { AppConfig } from '../config/config.types';
import { SlackFilesService, type SlackFileRef } from '../slack/slack-files.service';

/**
 * How much of a message's attachments a job takes. Each job holds its files on the worker's disk while
 * it runs, WORKER_CONCURRENCY jobs at once; and the CLI reads files into a context window, where a
 * huge file helps nobody.
 */
export const FILE_LIMITS = {
  /** Logs, screenshots, PDFs and spreadsheets fit; disk images and videos do not belong in a prompt. */
  perFileBytes: 20 * MiB,
  perJobBytes: 50 * MiB,
  /** Slack itself allows ten files on one message. */
  maxFiles: 10,
} as const;

export interface SavedFile {
  /** The name shown in Slack, as it is: promptNotice makes it safe to show. */
  readonly name: string;
  /** Absolute, on the agent side; the file name is made safe and unique, so it may differ from `name`. */
  readonly path: string;
  readonly bytes: number;
  readonly mimetype?: string;
}

export interface SkippedFile {
  readonly name: string;
  readonly reason: string;
}

export interface JobFilesResult {
  /** The folder to give the CLI with `--add-dir`; undefined when no file was saved. */
  readonly dir: string | undefined;
  readonly saved: readonly SavedFile[];
  readonly skipped: readonly SkippedFile[];
}

/** Names shown in the prompt: long enough to recognise, too short to carry instructions. */
const MAX_SHOWN_NAME_CHARS = 120;

/**
 * The files a message came with, in a folder of the job's own on the agent side, for the CLI to read.
 * They are downloaded here (the bot token stays on this side), then handed over.
 */
@Injectable()
export class JobFiles {
  constructor(
    private readonly slackFiles: SlackFilesService,
    private readonly agents: AgentSupervisor,
    private readonly config: AppConfig,
  ) {}

  /**
   * Downloads the files, one after another within FILE_LIMITS, and hands each to the agent side's
   * `jobs/<jobId>/files/`. A second attempt of the same job starts from an empty folder.
   */
  async fetch(bot: BotConfig, jobId: string, files: readonly SlackFileRef[]): Promise<JobFilesResult> {
    if (files.length === 0) return { dir: undefined, saved: [], skipped: [] };
    const dir = this.stagingDir(jobId);
    await this.cleanup(bot, jobId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    try {
      return await this.fetchInto(bot, jobId, dir, files);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async fetchInto(
    bot: BotConfig,
    jobId: string,
    dir: string,
    files: readonly SlackFileRef[],
  ): Promise<JobFilesResult> {
    const names = new UniqueNames();
    const saved: SavedFile[] = [];
    const skipped: SkippedFile[] = [];
    let used = 0;
    for (const [index, file] of files.entries()) {
      const name = file.name;
      const remaining = FILE_LIMITS.perJobBytes - used;
      const refusal = refuse(index, file.size, remaining);
      if (refusal !== undefined) {
        skipped.push({ name, reason: refusal });
        continue;
      }
      const path = join(dir, names.take(file.name, file.id));
      if (dirname(path) !== dir) throw new Error(`file name "${file.name}" escaped the job's folder`);
      const maxBytes = Math.min(FILE_LIMITS.perFileBytes, remaining);
      const outcome = await this.slackFiles.download(bot, file, path, maxBytes);
      if ('bytes' in outcome) {
        used += outcome.bytes;
        const agentPath = await this.agents.forBot(bot.id).putJobFile(jobId, basename(path), await readFile(path));
        await rm(path, { force: true });
        saved.push({ name, path: agentPath, bytes: outcome.bytes, mimetype: file.mimetype });
      } else if (outcome.skipped === 'too_large') {
        skipped.push({ name, reason: maxBytes < FILE_LIMITS.perFileBytes ? overJobLimit() : overFileLimit() });
      } else {
        skipped.push({ name, reason: outcome.reason });
      }
    }
    const [first] = saved;
    return { dir: first === undefined ? undefined : dirname(first.path), saved, skipped };
  }

  /** What the prompt says about the files: where each one is, and why any is missing. '' for none. */
  promptNotice(result: JobFilesResult): string {
    const lines: string[] = [];
    if (result.saved.length > 0) {
      lines.push('The message came with these files, saved where you can read them:');
      for (const file of result.saved) {
        const details = [file.mimetype, formatBytes(file.bytes)].filter((detail) => detail !== undefined);
        lines.push(`- ${shownName(file.name)} (${details.join(', ')}): ${file.path}`);
      }
    }
    if (result.skipped.length > 0) {
      lines.push('These attached files could not be read, so you do not have them:');
      for (const file of result.skipped) lines.push(`- ${shownName(file.name)}: ${file.reason}`);
    }
    return lines.join('\n');
  }

  /** Removes the job's folders on both sides and everything in them; nothing to remove is fine. */
  async cleanup(bot: BotConfig, jobId: string): Promise<void> {
    await rm(this.stagingDir(jobId), { recursive: true, force: true });
    await this.agents.forBot(bot.id).removeJob(jobId);
  }

  /** Where downloads land before the agent side has them: this side's own, never the agent's. */
  private stagingDir(jobId: string): string {
    return join(this.config.dataDir, 'staging', assertJobId(jobId));
  }
}

function refuse(index: number, size: number | undefined, remaining: number): string | undefined {
  if (index >= FILE_LIMITS.maxFiles) return `only the first ${FILE_LIMITS.maxFiles} files of a message are read`;
  if (size !== undefined && size > FILE_LIMITS.perFileBytes) return overFileLimit();
  if (remaining <= 0 || (size !== undefined && size > remaining)) return overJobLimit();
  return undefined;
}

function overFileLimit(): string {
  return `it is larger than ${formatBytes(FILE_LIMITS.perFileBytes)}, the limit for one file`;
}

function overJobLimit(): string {
  return `with the files before it, it would pass ${formatBytes(FILE_LIMITS.perJobBytes)}, the limit for one message`;
}

/** A Slack file name as the prompt shows it: one line, bounded. */
function shownName(name: string): string {
  const line = name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim() || 'unnamed file';
  return line.length > MAX_SHOWN_NAME_CHARS ? `${line.slice(0, MAX_SHOWN_NAME_CHARS)}…` : line;
}
