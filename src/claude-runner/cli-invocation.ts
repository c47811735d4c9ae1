import { assertSessionId } from '../agent/agent-paths';
import type { BotConfig } from '../bots/bot.types';
import { QUOTED_TEXT_RULE } from './prompt';

/**
 * The CLI's arguments, exactly as the contract lists them. List flags use `--flag=a,b` so that no
 * value can swallow the next argument; the prompt goes to stdin, never to argv. The system prompt
 * always carries QUOTED_TEXT_RULE, after the bot's own addition, resumed sessions included.
 */
export function buildCliArgs(bot: BotConfig, resumeSessionId?: string, addDirs: readonly string[] = []): string[] {
  const { claude } = bot;
  const args = ['-p', '--output-format', 'stream-json', '--verbose'];
  if (resumeSessionId !== undefined) args.push(`--resume=${assertSessionId(resumeSessionId)}`);
  if (claude.model !== undefined) args.push('--model', claude.model);
  if (claude.maxTurns !== undefined) args.push('--max-turns', String(claude.maxTurns));
  if (claude.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(claude.maxBudgetUsd));
  if (claude.permissionMode !== undefined) args.push('--permission-mode', claude.permissionMode);
  if (claude.tools !== undefined) args.push(`--tools=${claude.tools.join(',')}`);
  if (claude.allowedTools !== undefined && claude.allowedTools.length > 0) {
    args.push(`--allowedTools=${claude.allowedTools.join(',')}`);
  }
  if (claude.disallowedTools !== undefined && claude.disallowedTools.length > 0) {
    args.push(`--disallowedTools=${claude.disallowedTools.join(',')}`);
  }
  if (addDirs.length > 0) args.push(`--add-dir=${addDirs.join(',')}`);
  const systemPrompt = [claude.appendSystemPrompt, QUOTED_TEXT_RULE].filter((part) => part !== undefined);
  args.push('--append-system-prompt', systemPrompt.join('\n\n'));
  return args;
}

/**
 * `PATH` and `LANG` from our own environment plus the bot's `claude.env`, and nothing else: the agent
 * can run commands, so it must never see Slack tokens, signing secrets or Redis. The agent side adds
 * `HOME` and the bot's own CLI config folder (`CLAUDE_CONFIG_DIR`), which only it knows.
 */
export function buildCliEnvironment(bot: BotConfig, base: Readonly<Record<string, string>>): Record<string, string> {
  const inherited = Object.fromEntries(
    ['PATH', 'LANG'].flatMap((name) => (base[name] === undefined ? [] : [[name, base[name]]])),
  );
  return { ...inherited, ...bot.claude.env };
}
