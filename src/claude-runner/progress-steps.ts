import { relative } from 'node:path';
import type { SecretScrubber } from '../logging/secret-scrubber';
import type { ToolUseBlock } from './stream-json.types';

const MAX_DETAIL = 60;

/**
 * One line a person understands for what a tool call is doing: "Reading `src/main.ts`". Details are
 * scrubbed before they are shortened, so that no part of a secret outlives the cut.
 */
export function describeToolUse(tool: ToolUseBlock, workingDirectory: string, scrubber: SecretScrubber): string {
  const input = (typeof tool.input === 'object' && tool.input !== null ? tool.input : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined =>
    typeof input[key] === 'string' ? scrubber.scrub(input[key]) : undefined;
  const file = (key: string): string | undefined => {
    const path = text(key);
    return path === undefined ? undefined : relativeTo(workingDirectory, path);
  };
  switch (tool.name) {
    case 'Read':
      return withDetail('Reading', file('file_path'));
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
      return withDetail('Editing', file('file_path') ?? file('notebook_path'));
    case 'Write':
      return withDetail('Writing', file('file_path'));
    case 'Bash':
      return withDetail('Running', text('command')?.split('\n')[0]);
    case 'Grep':
      return withDetail('Searching for', text('pattern'));
    case 'Glob':
      return withDetail('Looking for files matching', text('pattern'));
    case 'WebFetch':
      return withDetail('Fetching', text('url'));
    case 'WebSearch':
      return withDetail('Searching the web for', text('query'));
    case 'Task':
    case 'Agent':
      return withDetail('Delegating', text('description'));
    case 'TodoWrite':
      return 'Planning the next steps';
    default:
      return `Using ${tool.name}`;
  }
}

function withDetail(verb: string, detail: string | undefined): string {
  if (detail === undefined || detail.trim() === '') return verb;
  const clean = detail.replace(/`/g, "'").trim();
  const short = clean.length > MAX_DETAIL ? `${clean.slice(0, MAX_DETAIL - 1)}…` : clean;
  return `${verb} \`${short}\``;
}

function relativeTo(workingDirectory: string, path: string): string {
  const inside = relative(workingDirectory, path);
  return inside !== '' && !inside.startsWith('..') ? inside : path;
}
