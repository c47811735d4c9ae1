import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { BotIdentityService } from '../bots/bot-identity.service';
import { withTimeout } from '../common/timeouts';
import { ReadinessParts } from '../lifecycle/readiness-parts';
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
    private readonly parts: ReadinessParts,
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

  /** Each part a role added (the worker loop, the agent side), up or down with why. */
  addedParts() {
    return this.parts.all().map((part) => async () => {
      const indicator = this.indicators.check(part.name);
      const problem = await part.problem();
      return problem === undefined ? indicator.up() : indicator.down({ message: problem });
    });
  }
}
