import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { AgentSupervisor } from '../agent/agent-supervisor';
import { BotIdentityService } from '../bots/bot-identity.service';
import { ClaudeJobProcessor } from '../claude-runner/claude-job.processor';
import { withTimeout } from '../common/timeouts';
import { ShutdownState } from '../lifecycle/shutdown-state';
import { REDIS_CLIENT } from '../redis/redis.constants';

const REDIS_PING_TIMEOUT_MS = 1_000;

/** The parts readiness depends on: Redis, the bots' identities, and the worker when this role has one. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly identities: BotIdentityService,
    private readonly shutdown: ShutdownState,
    @Optional() private readonly processor?: ClaudeJobProcessor,
    @Optional() private readonly agents?: AgentSupervisor,
  ) {}

  async redisAnswers() {
    const indicator = this.indicators.check('redis');
    try {
      await withTimeout(this.redis.ping(), REDIS_PING_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: `Redis does not answer: ${(error as Error).message}` });
    }
  }

  notShuttingDown() {
    const indicator = this.indicators.check('process');
    return this.shutdown.isShuttingDown ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }

  botsIdentified() {
    const indicator = this.indicators.check('bots');
    const waiting = this.identities.unidentified();
    return waiting.length === 0 ? indicator.up() : indicator.down({ message: 'waiting for Slack auth.test', waiting });
  }

  /** Undefined where this role runs no CLI. */
  agentAnswers() {
    const agents = this.agents;
    if (!agents) return undefined;
    return async () => {
      const indicator = this.indicators.check('agent');
      const problem = await agents.problem();
      return problem === undefined ? indicator.up() : indicator.down({ message: problem });
    };
  }

  /** Undefined where this role runs no worker. */
  workerRunning() {
    const processor = this.processor;
    if (!processor) return undefined;
    return async () => {
      const indicator = this.indicators.check('worker');
      return (await processor.isHealthy())
        ? indicator.up()
        : indicator.down({ message: 'the worker is not taking jobs' });
    };
  }
}
