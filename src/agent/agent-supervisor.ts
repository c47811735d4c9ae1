import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { BotRegistry } from '../bots/bot-registry';
import { AppConfig } from '../config/config.types';
import { ReadinessParts } from '../lifecycle/readiness-parts';
import { AgentClient } from './agent-client';
import { AgentConfigError, type AgentPlan, unseparatedBots } from './agent-plan';
import type { BotPlace } from './agent-protocol';
import { LocalAgentSide } from './local-agent-side';

/** How long a side this worker starts may take to answer, and how often stale transcripts are pruned. */
const START_TIMEOUT_MS = 15_000;
const HELLO_RETRY_MS = 200;
const PRUNE_EVERY_MS = 3600_000;

/** The plan made at start-up (see planAgents), provided by the module. */
export abstract class AgentPlanHolder {
  abstract readonly plan: AgentPlan;
}

/**
 * The worker's view of the agent sides: which one runs each bot, whether they answer, and their
 * upkeep. Sides this worker starts must answer before it takes jobs; a side in another container is
 * waited for, and readiness says so meanwhile.
 */
@Injectable()
export class AgentSupervisor implements OnModuleInit, OnApplicationShutdown {
  private readonly clients = new Map<string, AgentClient>();
  private readonly localSides: LocalAgentSide[] = [];
  /** Undefined until the sides have answered their first hello. */
  private problems: string[] | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly holder: AgentPlanHolder,
    private readonly registry: BotRegistry,
    private readonly config: AppConfig,
    private readonly readiness: ReadinessParts,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(AgentSupervisor.name);
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register({ name: 'agent', problem: () => this.problem() });
    const { plan } = this.holder;
    const shared = unseparatedBots(plan);
    if (shared.length > 0) {
      this.logger.warn(
        { bots: shared },
        "the agent runs as the service's own user and can read its secrets: set AGENT_USER (or runAs, or AGENT_SOCKET)",
      );
    }
    if (plan.kind === 'remote') {
      const client = new AgentClient(plan.socketPath);
      for (const bot of this.registry.all()) this.clients.set(bot.id, client);
      void this.greetRemote(client);
    } else {
      for (const sidePlan of plan.sides) {
        const side = new LocalAgentSide(sidePlan, this.config, this.logger.logger);
        this.localSides.push(side);
        for (const botId of sidePlan.botIds) this.clients.set(botId, side.client);
        await side.start();
      }
      await Promise.all(this.localSides.map((side) => this.greetLocal(side)));
      this.problems = [];
    }
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS).unref();
    void this.prune();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pruneTimer);
    await Promise.all(this.localSides.map((side) => side.stop()));
  }

  forBot(botId: string): AgentClient {
    const client = this.clients.get(botId);
    if (!client) throw new Error(`no agent side for bot ${botId}`);
    return client;
  }

  /** Undefined when every side answers; else what is wrong, for readiness. */
  async problem(): Promise<string | undefined> {
    if (this.problems === undefined) return 'waiting for the agent side';
    if (this.problems.length > 0) return this.problems.join('; ');
    const clients = new Set(this.clients.values());
    for (const client of clients) {
      const answered = await client.hello([]).then(
        () => true,
        () => false,
      );
      if (!answered) return `the agent side at ${client.socketPath} does not answer`;
    }
    return undefined;
  }

  private placesOf(botIds: readonly string[]): BotPlace[] {
    return botIds.flatMap((botId) => {
      const bot = this.registry.find(botId);
      return bot ? [{ botId, workingDirectory: bot.workingDirectory }] : [];
    });
  }

  private async greetLocal(side: LocalAgentSide): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        const { problems } = await side.client.hello(this.placesOf(side.plan.botIds));
        if (problems.length > 0) throw new AgentConfigError(problems[0]);
        return;
      } catch (error) {
        if (error instanceof AgentConfigError) throw error;
        if (Date.now() > deadline) {
          throw new AgentConfigError(`the agent side for ${side.plan.key} did not start: ${(error as Error).message}`);
        }
        await sleep(HELLO_RETRY_MS);
      }
    }
  }

  /** Another container may start after us: keep asking, and let readiness tell the operator why not yet. */
  private async greetRemote(client: AgentClient): Promise<void> {
    while (!this.stopping) {
      try {
        const { problems } = await client.hello(this.placesOf(this.registry.all().map((bot) => bot.id)));
        this.problems = problems;
        for (const problem of problems) this.logger.error(problem);
        return;
      } catch {
        await sleep(HELLO_RETRY_MS * 5);
      }
    }
  }

  private async prune(): Promise<void> {
    for (const client of new Set(this.clients.values())) {
      try {
        const removed = await client.prune(this.config.sessionTtlSeconds);
        if (removed > 0) this.logger.info({ removed }, 'removed expired session transcripts and job folders');
      } catch (error) {
        this.logger.warn({ err: error }, 'could not prune the agent side');
      }
    }
  }
}
