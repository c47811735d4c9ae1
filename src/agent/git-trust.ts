import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Marks the bots' working directories safe for git in the agent's own HOME. A volume's top folder
 * belongs to root (a Kubernetes emptyDir or claim) while the agent owns the clone in it, and git then
 * refuses the repository as one of "dubious ownership". Only for a HOME the agent side made itself:
 * an operator's own git configuration is left alone.
 */
export async function trustForGit(home: string, directories: readonly string[]): Promise<void> {
  const path = join(home, '.gitconfig');
  const existing = await readFile(path, 'utf8').catch(() => '');
  const trusted = new Set([...existing.matchAll(/^\s*directory\s*=\s*(.+?)\s*$/gm)].map((match) => match[1]));
  const before = trusted.size;
  for (const directory of directories) trusted.add(directory);
  if (trusted.size === before && existing !== '') return;
  const lines = [...trusted].map((directory) => `\tdirectory = ${directory}`);
  await writeFile(path, `[safe]\n${lines.join('\n')}\n`, { mode: 0o600 });
}
