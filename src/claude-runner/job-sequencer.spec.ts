import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { botConfig, IDS } from '../../test/factories';
import { strictFake } from '../../test/strict-fake';
import { BotRegistry } from '../bots/bot-registry';
import { SecretScrubber } from '../logging/secret-scrubber';
import type { StopRequests } from '../queue/stop-requests.repository';
import type { ProgressMessage } from '../slack/progress-message';
import type { Refusal, ReplyService, RunEnding } from '../slack/reply.service';
import { ABORT } from './abort-reasons';
import type { BudgetGate } from './budget-gate';
import { ClaudeRunError } from './claude-runner.errors';
import type { AttemptChange, JobAttempt, JobAttemptRepository } from './job-attempt.repository';
import { CONTINUE_PROMPT, type JobPrompts } from './job-prompt.service';
import type { JobReport } from './job-report';
import { JobSequencer } from './job-sequencer';
import type { JobContext } from './job-step';
import type { SessionRun, SessionService } from './session.service';

const bot = botConfig();
const log = { warn: () => undefined, error: () => undefined, info: () => undefined } as unknown as Logger;
const SESSION = '5d0c3f0e-8a51-4c7e-9f0b-2b7c1e6a9d41';

/** What the thread shows and what the CLI got, as the sequencer's collaborators saw it. */
interface Seen {
  lines: (RunEnding | Refusal | string)[];
  answers: { answer: string; posted: number }[];
  runs: { prompt: string; continueSession?: string }[];
  recorded: AttemptChange[];
}

function sequencer(options: {
  attempt?: Partial<JobAttempt>;
  stoppedBy?: string;
  admitted?: boolean;
  resumable?: boolean;
  run?: (run: SessionRun) => Promise<{ answer: string }>;
}) {
  const seen: Seen = { lines: [], answers: [], runs: [], recorded: [] };
  const progress = { ts: '1.000100' } as ProgressMessage;
  const attempts = strictFake<JobAttemptRepository>('attempts', {
    load: () => Promise.resolve({ phase: 'admitted', partsPosted: 0, ...options.attempt }),
    record: (_bot: string, _job: string, change: AttemptChange) => Promise.resolve(void seen.recorded.push(change)),
  });
  const stops = strictFake<StopRequests>('stops', { requestedBy: () => Promise.resolve(options.stoppedBy) });
  const budget = strictFake<BudgetGate>('budget', {
    admit: () => Promise.resolve(options.admitted ?? true),
    settle: () => Promise.resolve(),
    release: () => Promise.resolve(),
  });
  const replies = strictFake<ReplyService>('replies', {
    working: () => Promise.resolve(),
    startProgress: () => Promise.resolve(progress),
    answered: (_b, _m, _p, answer: string, posted: number) =>
      Promise.resolve(void seen.answers.push({ answer, posted })),
    ended: (_b, _m, _p, ending: RunEnding) => Promise.resolve(void seen.lines.push(ending)),
    refused: (_b, _t, refusal: Refusal) => Promise.resolve(void seen.lines.push(refusal)),
  });
  const prompts = strictFake<JobPrompts>('prompts', {
    prepare: () => Promise.resolve({ prompt: 'the question', addDirs: [] }),
    cleanup: () => Promise.resolve(),
  });
  const sessions = strictFake<SessionService>('sessions', {
    bringHere: () => Promise.resolve(options.resumable ?? true),
    run: async (_b, _t, run: SessionRun, _l, continueSession?: string) => {
      seen.runs.push({ prompt: run.prompt, continueSession });
      const { answer } = await (options.run ?? (() => Promise.resolve({ answer: 'the answer' })))(run);
      return {
        answer,
        sessionId: SESSION,
        model: 'm',
        costUsd: 0.01,
        result: {} as never,
        keepSession: () => Promise.resolve(void seen.recorded.push({ sessionId: 'kept' })),
      };
    },
  });
  const report = strictFake<JobReport>('report', {
    started: () => undefined,
    finished: () => undefined,
    abandoned: () => undefined,
  });
  const service = new JobSequencer(
    new BotRegistry([bot]),
    attempts,
    stops,
    budget,
    replies,
    prompts,
    sessions,
    report,
    new SecretScrubber([]),
  );
  return { service, seen };
}

function context(signal?: AbortSignal, botId = bot.id): JobContext {
  const data = { botId, teamId: IDS.team, channel: IDS.channel, threadTs: '1.0', messageTs: '1.0' };
  return {
    id: 'job-1',
    data: { ...data, user: IDS.alice, text: 'hi', eventId: 'Ev1' },
    enqueuedAt: Date.now(),
    signal,
    log,
  };
}

describe('JobSequencer', () => {
  it('runs a new message and delivers its answer, recording each phase once', async () => {
    const { service, seen } = sequencer({});
    await service.handle(context());
    expect(seen.runs).toEqual([{ prompt: 'the question', continueSession: undefined }]);
    expect(seen.answers).toEqual([{ answer: 'the answer', posted: 0 }]);
    // The session is kept after the answer is out, before the job is done.
    expect(seen.recorded.map((change) => change.phase ?? change.sessionId)).toEqual([
      'preparing',
      'running',
      'delivering',
      'kept',
      'done',
    ]);
  });

  it('delivers an answer an earlier attempt made, from the part it stopped at, without running the CLI again', async () => {
    const { service, seen } = sequencer({ attempt: { phase: 'delivering', answer: 'made before', partsPosted: 2 } });
    await service.handle(context());
    expect(seen.runs).toEqual([]);
    expect(seen.answers).toEqual([{ answer: 'made before', posted: 2 }]);
  });

  it('resumes the session of a run whose worker died, with the continue prompt', async () => {
    const { service, seen } = sequencer({ attempt: { phase: 'running', sessionId: SESSION } });
    await service.handle(context());
    expect(seen.runs).toEqual([{ prompt: CONTINUE_PROMPT, continueSession: SESSION }]);
    expect(seen.answers).toHaveLength(1);
  });

  it('says it was interrupted only when nothing of the dead run can be resumed', async () => {
    for (const attempt of [{ phase: 'running' as const }, { phase: 'running' as const, sessionId: SESSION }]) {
      const { service, seen } = sequencer({ attempt, resumable: false });
      await service.handle(context());
      expect({ runs: seen.runs, lines: seen.lines }).toEqual({ runs: [], lines: [{ kind: 'interrupted' }] });
    }
  });

  it('keeps the CLI from starting when a stop came first, or while the job was preparing', async () => {
    const before = sequencer({ stoppedBy: IDS.alice });
    await before.service.handle(context());
    const during = new AbortController();
    during.abort(ABORT.stop('U0STOPPER1'));
    const preparing = sequencer({});
    await preparing.service.handle(context(during.signal));
    expect([before.seen.runs, preparing.seen.runs]).toEqual([[], []]);
    expect([...before.seen.lines, ...preparing.seen.lines]).toEqual([
      { kind: 'stopped', by: IDS.alice },
      { kind: 'stopped', by: 'U0STOPPER1' },
    ]);
  });

  it('declines politely over budget', async () => {
    const { service, seen } = sequencer({ admitted: false });
    await service.handle(context());
    expect(seen.lines).toEqual([{ kind: 'over_budget', budgetUsd: 0 }]);
    expect(seen.runs).toEqual([]);
  });

  it('hands a run back on shutdown, recording the session to resume; says nothing when another worker took the job', async () => {
    const interrupted = () => Promise.reject(new ClaudeRunError('interrupted', 'ended', { sessionId: SESSION }));
    for (const reason of [ABORT.shutdown, ABORT.lockLost]) {
      const controller = new AbortController();
      const { service, seen } = sequencer({ run: () => (controller.abort(reason), interrupted()) });
      await expect(service.handle(context(controller.signal))).rejects.toThrow(ClaudeRunError);
      const handedBack = seen.recorded.filter((change) => change.handedBack === true);
      expect({ reason, handedBack, lines: seen.lines }).toEqual({
        reason,
        handedBack: reason === ABORT.shutdown ? [{ handedBack: true, sessionId: SESSION }] : [],
        lines: [],
      });
    }
  });

  it('fails a job for good, at once, when its bot is not configured here', async () => {
    const { service } = sequencer({});
    await expect(service.handle(context(undefined, 'gone'))).rejects.toThrow(UnrecoverableError);
  });
});
