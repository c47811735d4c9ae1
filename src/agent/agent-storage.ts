import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BotPlace } from './agent-protocol';
import { type AgentLayout, assertFileName, configDirOf, jobFilesDirOf, jobsDirOf, transcriptPath } from './agent-paths';

/** Leftover job folders (a worker that died mid-job) go after this long; no job runs for a day. */
const STALE_JOB_SECONDS = 24 * 3600;

export interface LocalFile {
  readonly path: string;
  readonly size: number;
}

/** The agent side's files: bots' CLI config and transcripts, jobs' attachments. Runs as the agent. */
export class AgentStorage {
  constructor(private readonly layout: AgentLayout) {}

  /** Creates each bot's config folder and says which working directories this identity cannot use. */
  async prepare(bots: readonly BotPlace[]): Promise<string[]> {
    const problems: string[] = [];
    for (const bot of bots) {
      await mkdir(configDirOf(this.layout, bot.botId), { recursive: true, mode: 0o700 });
      const writable = await access(bot.workingDirectory, constants.W_OK | constants.X_OK).then(
        () => stat(bot.workingDirectory).then((info) => info.isDirectory()),
        () => false,
      );
      if (!writable) {
        problems.push(
          `bot "${bot.botId}": workingDirectory ${bot.workingDirectory} is not a folder the agent can write`,
        );
      }
    }
    return problems;
  }

  configDir(botId: string): string {
    return configDirOf(this.layout, botId);
  }

  /**
   * The transcript where the CLI writes it for this working directory, else under any other project
   * folder of the bot: `--resume` finds a session there too, and the CLI has changed how it names
   * those folders before (long paths), so a miss at the computed path alone would lose a session.
   */
  async findTranscript(place: BotPlace, sessionId: string): Promise<LocalFile | undefined> {
    const configDir = this.configDir(place.botId);
    const expected = await statFile(transcriptPath(configDir, place.workingDirectory, sessionId));
    if (expected !== undefined) return expected;
    const projects = join(configDir, 'projects');
    for (const folder of await listFolder(projects)) {
      const found = await statFile(join(projects, folder, `${sessionId}.jsonl`));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async readTranscript(file: LocalFile): Promise<Buffer> {
    return readFile(file.path);
  }

  /** Over an older copy where it lies, so that the CLI cannot come across two versions of one session. */
  async writeTranscript(place: BotPlace, sessionId: string, content: Buffer): Promise<void> {
    const local = await this.findTranscript(place, sessionId);
    const target = local?.path ?? transcriptPath(this.configDir(place.botId), place.workingDirectory, sessionId);
    await writeAtomically(target, content);
  }

  /** Puts one attachment in the job's own folder; the name was made safe and unique by the worker. */
  async putJobFile(jobId: string, name: string, content: Buffer): Promise<string> {
    const dir = jobFilesDirOf(this.layout, jobId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, assertFileName(name));
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
    return path;
  }

  async removeJob(jobId: string): Promise<void> {
    await rm(dirname(jobFilesDirOf(this.layout, jobId)), { recursive: true, force: true });
  }

  /** Deletes transcripts nobody can resume any more, and job folders a lost worker left behind. */
  async prune(olderThanSeconds: number, now = Date.now()): Promise<number> {
    let removed = 0;
    const bots = join(this.layout.root, 'bots');
    for (const bot of await listFolder(bots)) {
      const projects = join(bots, bot, 'claude', 'projects');
      for (const project of await listFolder(projects)) {
        removed += await removeOlder(join(projects, project), olderThanSeconds, now, (name) => name.endsWith('.jsonl'));
      }
    }
    removed += await removeOlder(jobsDirOf(this.layout), STALE_JOB_SECONDS, now, () => true);
    return removed;
  }
}

async function removeOlder(
  folder: string,
  olderThanSeconds: number,
  now: number,
  matches: (name: string) => boolean,
): Promise<number> {
  let removed = 0;
  for (const name of await listFolder(folder)) {
    if (!matches(name)) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || now - info.mtimeMs < olderThanSeconds * 1000) continue;
    await rm(path, { recursive: true, force: true });
    // The CLI keeps a session's side files in a folder named like its transcript.
    if (name.endsWith('.jsonl')) await rm(path.slice(0, -'.jsonl'.length), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

async function statFile(path: string): Promise<LocalFile | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new Error(`could not look at ${path}`, { cause: error });
  }
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw new Error(`could not list ${path}`, { cause: error });
  }
}

/** Through a temporary file and a rename, so that a CLI starting meanwhile never reads half a transcript. */
async function writeAtomically(path: string, content: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
