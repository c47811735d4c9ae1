import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { AppConfig } from '../config/config.types';
import { type JobOutcome, METRIC, type TokenKind } from '../metrics/metrics.constants';
import type { ResultLine } from './stream-json.types';

export interface JobSummary {
  readonly botId: string;
  readonly outcome: JobOutcome;
  /** Why it failed, when it did: a failure kind such as `timeout`. */
  readonly reason?: string;
  readonly durationMs: number;
  readonly waitMs: number;
  readonly prompt: string;
  readonly sessionId?: string;
  readonly model?: string;
  /** This job's own cost: for a resumed session, the growth of its cumulative total. */
  readonly costUsd?: number;
  readonly result?: ResultLine;
}

/**
 * Each job's one summary record (the audit trail) and its metrics: outcome, duration, wait, cost,
 * tokens, turns. The prompt's text is logged only with LOG_PROMPTS.
 */
@Injectable()
export class JobReport {
  constructor(
    private readonly config: AppConfig,
    @InjectMetric(METRIC.jobs) private readonly jobs: Counter<'bot' | 'outcome'>,
    @InjectMetric(METRIC.jobDuration) private readonly durations: Histogram<'bot' | 'outcome'>,
    @InjectMetric(METRIC.jobWait) private readonly waits: Histogram<'bot'>,
    @InjectMetric(METRIC.jobsRunning) private readonly running: Gauge<'bot'>,
    @InjectMetric(METRIC.claudeCost) private readonly cost: Counter<'bot' | 'model'>,
    @InjectMetric(METRIC.claudeTokens) private readonly tokens: Counter<'bot' | 'model' | 'kind'>,
    @InjectMetric(METRIC.claudeTurns) private readonly turns: Histogram<'bot'>,
  ) {}

  started(botId: string, waitMs: number): void {
    this.running.inc({ bot: botId });
    this.waits.observe({ bot: botId }, waitMs / 1000);
  }

  /** An attempt that ended in an error and will be retried: it is no longer running, nothing more. */
  abandoned(botId: string): void {
    this.running.dec({ bot: botId });
  }

  finished(summary: JobSummary, log: Logger): void {
    const bot = summary.botId;
    this.running.dec({ bot });
    this.jobs.inc({ bot, outcome: summary.outcome });
    this.durations.observe({ bot, outcome: summary.outcome }, summary.durationMs / 1000);
    const model = summary.model ?? 'unknown';
    const tokens = tokensOf(summary.result);
    if (summary.costUsd !== undefined && summary.costUsd > 0) this.cost.inc({ bot, model }, summary.costUsd);
    for (const [kind, count] of Object.entries(tokens) as [TokenKind, number][]) {
      if (count > 0) this.tokens.inc({ bot, model, kind }, count);
    }
    if (summary.result?.num_turns !== undefined) this.turns.observe({ bot }, summary.result.num_turns);
    log.info(
      {
        outcome: summary.outcome,
        reason: summary.reason,
        durationMs: summary.durationMs,
        waitMs: summary.waitMs,
        sessionId: summary.sessionId,
        model: summary.model,
        costUsd: summary.costUsd,
        turns: summary.result?.num_turns,
        tokens,
        permissionDenials: summary.result?.permission_denials?.length ?? 0,
        promptChars: summary.prompt.length,
        ...(this.config.logPrompts ? { prompt: summary.prompt } : {}),
      },
      'job finished',
    );
  }
}

function tokensOf(result: ResultLine | undefined): Record<TokenKind, number> {
  const usage = result?.usage ?? {};
  return {
    input: usage.input_tokens ?? 0,
    output: usage.output_tokens ?? 0,
    cache_read: usage.cache_read_input_tokens ?? 0,
    cache_write: usage.cache_creation_input_tokens ?? 0,
  };
}
