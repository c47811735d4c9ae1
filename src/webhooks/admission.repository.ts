import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/config.types';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { ADMIT_SCRIPT, KEEP_SCRIPT, KEPT_TTL_SECONDS, PENDING_TTL_SECONDS, RELEASE_SCRIPT } from './admission.scripts';
import { webhookKeys } from './webhook-keys';

export interface DeliveryIds {
  readonly botId: string;
  readonly eventId: string;
  readonly teamId: string;
  readonly channel: string;
  readonly ts: string;
  readonly user: string;
}

/** A delivery's hold on its message until the job is kept: whoever holds it keeps (or releases) it. */
export interface Claim {
  readonly ids: DeliveryIds;
  readonly token: string;
}

export type Admission =
  | { readonly verdict: 'duplicate' | 'rate_limited' | 'rate_limited_first' }
  /** `taken_over`: an earlier delivery claimed the message and did not keep its job (it may have died). */
  | { readonly verdict: 'admitted' | 'taken_over'; readonly claim: Claim };

const VERDICTS = ['duplicate', 'admitted', 'rate_limited', 'rate_limited_first', 'taken_over'] as const;

type AdmissionClient = Redis & {
  admitDelivery(...args: [string, string, string, string, string, number, number, number, number]): Promise<number>;
  keepDelivery(...args: [string, string, string, string, number, number]): Promise<number>;
  releaseDelivery(...args: [string, string, string]): Promise<number>;
};

/**
 * One user message is one job: Slack's retries share the event id, and the `app_mention` and
 * `message` twins of one mention share team, channel and ts. Each user has a fixed window of
 * messages per bot, shared by every API process.
 */
@Injectable()
export class AdmissionRepository implements OnModuleInit {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // A defined command runs by its SHA: the script text crosses the wire once, not per webhook.
    this.redis.defineCommand('admitDelivery', { numberOfKeys: 4, lua: ADMIT_SCRIPT });
    this.redis.defineCommand('keepDelivery', { numberOfKeys: 3, lua: KEEP_SCRIPT });
    this.redis.defineCommand('releaseDelivery', { numberOfKeys: 2, lua: RELEASE_SCRIPT });
  }

  async admit(ids: DeliveryIds, nowMs: number = Date.now()): Promise<Admission> {
    const { maxRequests, windowSeconds } = this.config.rateLimit;
    const window = Math.floor(nowMs / 1000 / windowSeconds);
    const claim: Claim = { ids, token: randomUUID() };
    const code = await this.client.admitDelivery(
      ...claimKeys(ids),
      webhookKeys.rateCount(ids.botId, ids.user, window),
      webhookKeys.rateNotice(ids.botId, ids.user, window),
      claim.token,
      PENDING_TTL_SECONDS,
      KEPT_TTL_SECONDS,
      windowSeconds,
      maxRequests,
    );
    const verdict = VERDICTS[code] ?? 'duplicate';
    return verdict === 'admitted' || verdict === 'taken_over' ? { verdict, claim } : { verdict };
  }

  /** The job is queued. False when another delivery of the message has taken the claim over since. */
  async keep(claim: Claim, threadTs: string): Promise<boolean> {
    const { ids } = claim;
    const kept = await this.client.keepDelivery(
      ...claimKeys(ids),
      webhookKeys.thread(ids.botId, ids.channel, threadTs),
      claim.token,
      KEPT_TTL_SECONDS,
      this.config.sessionTtlSeconds,
    );
    return kept === 1;
  }

  /** Lets Slack's retry of a delivery we failed to keep go through. */
  async release(claim: Claim): Promise<void> {
    await this.client.releaseDelivery(...claimKeys(claim.ids), claim.token);
  }

  private get client(): AdmissionClient {
    return this.redis as AdmissionClient;
  }
}

function claimKeys(ids: DeliveryIds): [string, string] {
  return [webhookKeys.event(ids.botId, ids.eventId), webhookKeys.message(ids.botId, ids.teamId, ids.channel, ids.ts)];
}
