import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { type Reservation, SpendRepository, spendKeys } from './spend.repository';

describe('SpendRepository against a real Redis', () => {
  // Shared with test/e2e/budget.e2e-spec.ts, which only clears its own bots' keys: ours are random.
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db: 14 });
  const spend = new SpendRepository(redis);
  let botId: string;

  const job = (usd: number, ttlSeconds = 60): Reservation => ({ jobId: `job-${randomUUID()}`, usd, ttlSeconds });

  beforeAll(() => spend.onModuleInit());
  beforeEach(() => {
    botId = `spend-spec-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await redis.del(spendKeys.day(botId, new Date()), spendKeys.reservations(botId));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it("admits jobs while the day's spend and the running jobs' reservations stay under the budget", async () => {
    await spend.settle(botId, job(0), 1);
    const admitted = [];
    for (let i = 0; i < 4; i++) admitted.push(await spend.reserve(botId, job(1.5), 5));
    expect(admitted).toEqual([true, true, true, false]);
  });

  it("of eight jobs asking at once, admits exactly one when one job's cap is the whole budget", async () => {
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => spend.reserve(botId, job(2.5), 2.5)));
    expect(verdicts.filter(Boolean)).toHaveLength(1);
  });

  it('counts a retried job once: its new reservation replaces its earlier one', async () => {
    const retried = job(1);
    expect(await spend.reserve(botId, retried, 1)).toBe(true);
    expect(await spend.reserve(botId, retried, 1)).toBe(true);
    expect(await spend.reserve(botId, job(1), 1)).toBe(false);
  });

  it('settling gives the reservation back and counts what the run really cost', async () => {
    const first = job(2);
    expect(await spend.reserve(botId, first, 2)).toBe(true);
    expect(await spend.reserve(botId, job(2), 2)).toBe(false);
    await spend.settle(botId, first, 0.5);
    expect(await spend.spentToday(botId)).toBe(0.5);
    expect(await spend.reserve(botId, job(2), 2)).toBe(true);
  });

  it('lets go of a reservation whose job outlived its time limit (a worker that died)', async () => {
    const now = new Date();
    expect(await spend.reserve(botId, job(3, 60), 3, now)).toBe(true);
    expect(await spend.reserve(botId, job(3, 60), 3, new Date(now.getTime() + 59_000))).toBe(false);
    expect(await spend.reserve(botId, job(3, 60), 3, new Date(now.getTime() + 61_000))).toBe(true);
  });

  it('keeps no key for ever: the day for two days, the reservations as long as the longest one', async () => {
    await spend.settle(botId, job(0), 0.25);
    await spend.reserve(botId, job(1, 60), 10);
    await spend.reserve(botId, job(1, 600), 10);
    expect(await redis.ttl(spendKeys.day(botId, new Date()))).toBeGreaterThan(47 * 3600);
    const reservationsTtl = await redis.pttl(spendKeys.reservations(botId));
    expect(reservationsTtl).toBeGreaterThan(590_000);
    expect(reservationsTtl).toBeLessThanOrEqual(600_000);
  });
});
