import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { BotRegistry } from '../bots/bot-registry';
import type { BotConfig } from '../bots/bot.types';
import { type Reservation, SpendRepository } from './spend.repository';

/** A reservation outlives the job's time limit by this much: files, Slack and the session are handled outside it. */
const RESERVATION_MARGIN_SECONDS = 300;

/**
 * `budgetUsdPerDay` under concurrency. Before the CLI starts, a job reserves its own cap
 * (`claude.maxBudgetUsd`) and is admitted only while the day's spend and the reservations of running
 * jobs stay under the budget; after the run the reservation gives way to what the run cost. So jobs
 * running together pass the budget by one job's cap at most. A reservation expires with its job's time
 * limit (and a margin), so that a worker that died cannot block the budget.
 */
@Injectable()
export class BudgetGate implements OnModuleInit {
  constructor(
    private readonly registry: BotRegistry,
    private readonly spend: SpendRepository,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(BudgetGate.name);
  }

  onModuleInit(): void {
    for (const bot of this.registry.all()) {
      if (bot.budgetUsdPerDay === undefined || bot.claude.maxBudgetUsd !== undefined) continue;
      this.logger.warn(
        { bot: bot.id },
        'budgetUsdPerDay is set without claude.maxBudgetUsd: jobs running together may pass the budget',
      );
    }
  }

  /** False when the bot's budget for today is spent or reserved by running jobs. */
  async admit(bot: BotConfig, jobId: string): Promise<boolean> {
    if (bot.budgetUsdPerDay === undefined) return true;
    return this.spend.reserve(bot.id, reservationOf(bot, jobId), bot.budgetUsdPerDay);
  }

  /** The run is over: what it cost counts, whether it answered or not, and its reservation goes. */
  async settle(bot: BotConfig, jobId: string, costUsd: number): Promise<void> {
    await this.spend.settle(bot.id, reservationOf(bot, jobId), costUsd);
  }

  /** The job ends (or gives up) without a run to settle; a reservation that cannot be dropped expires by itself. */
  async release(bot: BotConfig, jobId: string, log: Logger): Promise<void> {
    if (bot.budgetUsdPerDay === undefined) return;
    await this.spend.settle(bot.id, reservationOf(bot, jobId), 0).catch((error: unknown) => {
      log.warn({ err: error }, 'could not release the budget reservation; it expires by itself');
    });
  }
}

function reservationOf(bot: BotConfig, jobId: string): Reservation {
  return { jobId, usd: bot.claude.maxBudgetUsd ?? 0, ttlSeconds: bot.timeoutSeconds + RESERVATION_MARGIN_SECONDS };
}
