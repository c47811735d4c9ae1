import { join } from 'node:path';
import type { BotConfig } from '../bots/bot.types';
import type { AppConfig } from '../config/config.types';
import { type AgentIdentity, canSwitchIdentity, identityCan, resolveAgentIdentity } from './agent-identity';

/** A Unix socket path must fit in 108 bytes; longer DATA_DIRs get their sockets under /tmp. */
export const MAX_SOCKET_PATH = 100;

/** One agent side the worker starts itself: a process of one identity, serving the bots that run as it. */
export interface LocalSidePlan {
  readonly key: string;
  /** Undefined: the service's own user (no boundary, a warning at start-up). */
  readonly identity: AgentIdentity | undefined;
  readonly botIds: readonly string[];
  /** The agent side's data folder: its bots' CLI config, its jobs' files. */
  readonly root: string;
}

export type AgentPlan =
  | { readonly kind: 'remote'; readonly socketPath: string }
  | { readonly kind: 'local'; readonly sides: readonly LocalSidePlan[] };

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/**
 * Decides, once at start-up, who runs each bot's CLI: an agent side behind AGENT_SOCKET (another
 * container), or processes this worker starts as the bot's `runAs`, AGENT_USER, or else itself.
 * Everything an operator can get wrong here is a start-up error naming the variable or the bot.
 */
export function planAgents(config: AppConfig, bots: readonly BotConfig[]): AgentPlan {
  if (config.agentSocket !== undefined) {
    if (config.agentUser !== undefined || bots.some((bot) => bot.runAs !== undefined)) {
      throw new AgentConfigError(
        'AGENT_USER and runAs do not apply with AGENT_SOCKET: the agent side has its own user',
      );
    }
    return { kind: 'remote', socketPath: config.agentSocket };
  }
  const sides = new Map<string, { identity: AgentIdentity | undefined; botIds: string[] }>();
  for (const bot of bots) {
    const identity = identityOf(config, bot);
    const key = identity === undefined ? 'self' : `${identity.uid}-${identity.gid}`;
    const side = sides.get(key) ?? { identity, botIds: [] };
    side.botIds.push(bot.id);
    sides.set(key, side);
  }
  return {
    kind: 'local',
    sides: [...sides].map(([key, side]) => ({
      key,
      ...side,
      root: side.identity === undefined ? config.dataDir : join(config.dataDir, 'agents', key),
    })),
  };
}

/** The bots whose CLI would run as the service itself, for the start-up warning. */
export function unseparatedBots(plan: AgentPlan): string[] {
  return plan.kind === 'remote' ? [] : plan.sides.flatMap((side) => (side.identity ? [] : side.botIds));
}

function identityOf(config: AppConfig, bot: BotConfig): AgentIdentity | undefined {
  const source = bot.runAs !== undefined ? `bot "${bot.id}": runAs` : 'AGENT_USER';
  const spec = bot.runAs ?? config.agentUser;
  if (spec === undefined) return undefined;
  let identity: AgentIdentity;
  try {
    identity = resolveAgentIdentity(spec, source);
  } catch (error) {
    throw new AgentConfigError((error as Error).message);
  }
  if (!canSwitchIdentity()) {
    throw new AgentConfigError(`${source} needs the service to run as root or with CAP_SETUID and CAP_SETGID`);
  }
  if (!identityCan(identity, 'w', bot.workingDirectory)) {
    throw new AgentConfigError(
      `bot "${bot.id}": workingDirectory ${bot.workingDirectory} is not writable by ${describe(identity)}`,
    );
  }
  if (config.botsConfigPath !== undefined && identityCan(identity, 'r', config.botsConfigPath)) {
    throw new AgentConfigError(
      `BOTS_CONFIG ${config.botsConfigPath} can be read by ${describe(identity)}, whose agent must not see its secrets: chmod 600 it`,
    );
  }
  return identity;
}

function describe(identity: AgentIdentity): string {
  return `the agent's user ${identity.label} (uid ${identity.uid})`;
}
