import { join, resolve } from 'node:path';

/**
 * Where the agent side keeps its state, under its own data folder: each bot's CLI config (the CLI's
 * CLAUDE_CONFIG_DIR, with its session transcripts), each job's files, and a home for the CLI when the
 * identity has none it can write.
 */
export interface AgentLayout {
  readonly root: string;
}

/** Bot ids as the bots file allows them: one safe path segment. */
const BOT_ID = /^[a-z0-9-]{1,32}$/;
/** Job ids are built from Slack ids by our producer; a folder name is no place to find out one was not. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** The CLI names its sessions with UUIDs; nothing else may become a file name or a `--resume` argument. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A file name our job-files code made safe: one segment, no leading dot. */
const FILE_NAME = /^[^/\\\0.][^/\\\0]{0,254}$/;

/** The CLI shortens longer project folder names (see projectFolderName). */
const MAX_PROJECT_FOLDER_CHARS = 200;

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

export function assertBotId(botId: string): string {
  if (!BOT_ID.test(botId)) throw new Error(`"${botId}" is not a bot id`);
  return botId;
}

export function assertJobId(jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new Error(`job id "${jobId}" cannot name a folder`);
  return jobId;
}

export function assertSessionId(sessionId: string): string {
  if (!SESSION_ID.test(sessionId)) throw new Error(`"${sessionId}" is not a Claude session id`);
  return sessionId;
}

export function assertFileName(name: string): string {
  if (!FILE_NAME.test(name)) throw new Error(`"${name}" is not a safe file name`);
  return name;
}

export function configDirOf(layout: AgentLayout, botId: string): string {
  return join(layout.root, 'bots', assertBotId(botId), 'claude');
}

export function jobsDirOf(layout: AgentLayout): string {
  return join(layout.root, 'jobs');
}

export function jobFilesDirOf(layout: AgentLayout, jobId: string): string {
  return join(jobsDirOf(layout), assertJobId(jobId), 'files');
}

export function fallbackHomeOf(layout: AgentLayout): string {
  return join(layout.root, 'home');
}

/** Where the CLI keeps a session's transcript: `<config dir>/projects/<cwd as a folder name>/<id>.jsonl`. */
export function transcriptPath(configDir: string, cwd: string, sessionId: string): string {
  return join(configDir, 'projects', projectFolderName(resolve(cwd)), `${assertSessionId(sessionId)}.jsonl`);
}

/**
 * The CLI's own rule: every character but ASCII letters and digits becomes `-` (so `/` and `.` do, and
 * so do `_`, spaces and non-ASCII letters), without collapsing runs; a name over 200 characters is cut
 * there and given a base-36 hash of the whole path, to keep within file-name limits.
 */
function projectFolderName(cwd: string): string {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (name.length <= MAX_PROJECT_FOLDER_CHARS) return name;
  return `${name.slice(0, MAX_PROJECT_FOLDER_CHARS)}-${Math.abs(stringHash(cwd)).toString(36)}`;
}

/** Java's String.hashCode over UTF-16 code units, in 32-bit arithmetic, as the CLI computes it. */
function stringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = ((hash << 5) - hash + text.charCodeAt(i)) | 0;
  return hash;
}
