import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, REDIS_CLIENT } from '../redis/redis.constants';

/** A day's counter outlives its day a little, so that a job finishing after midnight still lands. */
const KEEP_SECONDS = 2 * 24 * 3600;

/** Every Redis key of a bot's spend, named in one place. */
export const spendKeys = {
  /** What the bot's jobs cost in one UTC day (`YYYY-MM-DD`), a float in dollars. */
  day: (botId: string, now: Date) => `${KEY_PREFIX}:${botId}:spend:${now.toISOString().slice(0, 10)}`,
  /** Running jobs' reservations: members `<job id>|<dollars>`, scored by when each expires (epoch ms). */
  reservations: (botId: string) => `${KEY_PREFIX}:${botId}:spend-reservations`,
};

/** What one job reserves of the budget while it runs, and for how long at most. */
export interface Reservation {
  readonly jobId: string;
  readonly usd: number;
  readonly ttlSeconds: number;
}

/**
 * Drops expired reservations, then admits the job only if the day's spend plus every other live
 * reservation is under the budget; the job's own earlier one (a retried attempt) is replaced, not
 * counted. The key lives as long as its longest reservation.
 * KEYS: day, reservations. ARGV: now ms, member, expiry ms, budget. Returns 1 admitted, 0 over budget.
 */
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local reserved = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if member ~= ARGV[2] then reserved = reserved + tonumber(string.match(member, '|([^|]*)$')) end
end
if tonumber(redis.call('GET', KEYS[1]) or '0') + reserved >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2])
return 1`;

type ReserveClient = Redis & {
  reserveSpend(
    day: string,
    reservations: string,
    now: number,
    member: string,
    expiry: number,
    budget: number,
  ): Promise<number>;
};

/** Each bot's spend per UTC day, and what running jobs have reserved of it, for `budgetUsdPerDay`. */
@Injectable()
export class SpendRepository implements OnModuleInit {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  onModuleInit(): void {
    this.redis.defineCommand('reserveSpend', { numberOfKeys: 2, lua: RESERVE });
  }

  async spentToday(botId: string, now = new Date()): Promise<number> {
    return Number((await this.redis.get(spendKeys.day(botId, now))) ?? 0);
  }

  /** In one step: admitted (and reserving `usd`) only while the day's spend and live reservations stay under `budgetUsd`. */
  async reserve(botId: string, reservation: Reservation, budgetUsd: number, now = new Date()): Promise<boolean> {
    const verdict = await (this.redis as ReserveClient).reserveSpend(
      spendKeys.day(botId, now),
      spendKeys.reservations(botId),
      now.getTime(),
      memberOf(reservation),
      Math.ceil(now.getTime() + reservation.ttlSeconds * 1000),
      budgetUsd,
    );
    return verdict === 1;
  }

  /** The run is over: its reservation goes, and what it cost is added to the day's spend. */
  async settle(botId: string, reservation: Reservation, costUsd: number, now = new Date()): Promise<void> {
    const transaction = this.redis.multi().zrem(spendKeys.reservations(botId), memberOf(reservation));
    if (costUsd > 0) {
      const day = spendKeys.day(botId, now);
      transaction.incrbyfloat(day, costUsd).expire(day, KEEP_SECONDS);
    }
    await transaction.exec();
  }
}

function memberOf(reservation: Reservation): string {
  return `${reservation.jobId}|${reservation.usd}`;
}
