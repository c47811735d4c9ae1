import type { BotConfig } from './bot.types';

/** The configured bots, looked up by id (routes, jobs) or by Slack app id (the shared webhook). */
export class BotRegistry {
  private readonly byId: ReadonlyMap<string, BotConfig>;
  private readonly byAppId: ReadonlyMap<string, BotConfig>;

  constructor(private readonly bots: readonly BotConfig[]) {
    this.byId = new Map(bots.map((bot) => [bot.id, bot]));
    this.byAppId = new Map(bots.flatMap((bot) => (bot.appId === undefined ? [] : [[bot.appId, bot] as const])));
  }

  all(): readonly BotConfig[] {
    return this.bots;
  }

  find(id: string): BotConfig | undefined {
    return this.byId.get(id);
  }

  findByAppId(appId: string): BotConfig | undefined {
    return this.byAppId.get(appId);
  }

  /** The bot that a request naming no bot belongs to, when there is only one. */
  only(): BotConfig | undefined {
    return this.bots.length === 1 ? this.bots[0] : undefined;
  }
}
