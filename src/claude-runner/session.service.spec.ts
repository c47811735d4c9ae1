import type { Logger } from 'pino';
import { botConfig, IDS } from '../../test/factories';
import { strictFake } from '../../test/strict-fake';
import type { ReplyService } from '../slack/reply.service';
import type { ClaudeCliRunner, CliRun } from './claude-cli.runner';
import { ClaudeRunError } from './claude-runner.errors';
import type { SessionRepository, ThreadSession } from './session.repository';
import { SessionService, type Thread } from './session.service';
import type { RestoreOutcome, SaveOutcome, TranscriptRepository } from './transcript.repository';

const bot = botConfig();
const log = { warn: () => undefined } as unknown as Logger;
const thread: Thread = { botId: bot.id, channel: IDS.channel, threadTs: '1.0' };
const OLD = '11111111-2222-4333-8444-555555555555';
const NEW = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const run = { bot, prompt: 'hi', deadline: Date.now() + 60_000 };

function service(options: {
  stored?: ThreadSession;
  restore?: RestoreOutcome;
  cli: (run: CliRun) => Promise<unknown>;
}) {
  const kept: { session: ThreadSession; transcriptOf: string }[] = [];
  const notices: string[] = [];
  let stored = options.stored;
  const sessions = strictFake<SessionRepository>('sessions', {
    find: () => Promise.resolve(stored),
    save: (_thread, session: ThreadSession) => Promise.resolve(void (stored = session)),
    forget: () => Promise.resolve(void (stored = undefined)),
  });
  const transcripts = strictFake<TranscriptRepository>('transcripts', {
    restore: () => Promise.resolve(options.restore ?? 'present'),
    save: (_thread, _bot, sessionId: string) => {
      kept.push({ session: stored as ThreadSession, transcriptOf: sessionId });
      return Promise.resolve<SaveOutcome>('saved');
    },
    forget: () => Promise.resolve(),
  });
  const replies = strictFake<ReplyService>('replies', {
    freshSession: () => Promise.resolve(void notices.push('fresh session')),
  });
  const runner = strictFake<ClaudeCliRunner>('runner', { run: options.cli as ClaudeCliRunner['run'] });
  return { sessions: new SessionService(runner, sessions, transcripts, replies), kept, notices };
}

const success = (sessionId: string, total: number) => ({
  answer: 'ok',
  sessionId,
  model: 'm',
  result: { total_cost_usd: total } as never,
});

describe('SessionService', () => {
  it("resumes the thread's session and counts only this run's cost", async () => {
    const resumed: (string | undefined)[] = [];
    const { sessions, kept } = service({
      stored: { sessionId: OLD, costUsd: 0.5 },
      cli: (cliRun) => Promise.resolve((resumed.push(cliRun.resumeSessionId), success(OLD, 0.75))),
    });
    const result = await sessions.run(bot, thread, run, log);
    expect(kept).toEqual([]);
    await result.keepSession();
    expect({ resumed, cost: result.costUsd, kept }).toEqual({
      resumed: [OLD],
      cost: 0.25,
      kept: [{ session: { sessionId: OLD, costUsd: 0.75 }, transcriptOf: OLD }],
    });
  });

  it('starts afresh, and says so, when the transcript cannot be brought here', async () => {
    const resumed: (string | undefined)[] = [];
    const { sessions, notices } = service({
      stored: { sessionId: OLD, costUsd: 0.5 },
      restore: 'absent',
      cli: (cliRun) => Promise.resolve((resumed.push(cliRun.resumeSessionId), success(NEW, 0.1))),
    });
    await sessions.run(bot, thread, run, log);
    expect({ resumed, notices }).toEqual({ resumed: [undefined], notices: ['fresh session'] });
  });

  it("keeps a failed run's session, with what it cost, so that a follow-up can go on from it", async () => {
    const failure = new ClaudeRunError('max_turns', 'too many', {
      sessionId: NEW,
      result: { total_cost_usd: 3 } as never,
    });
    const { sessions, kept } = service({ cli: () => Promise.reject(failure) });
    await expect(sessions.run(bot, thread, run, log)).rejects.toBe(failure);
    expect(failure.costUsd).toBe(3);
    expect(kept).toEqual([{ session: { sessionId: NEW, costUsd: 3 }, transcriptOf: NEW }]);
  });

  it('checkpoints the session while the CLI runs, at most every 5 s', async () => {
    const { sessions, kept } = service({
      cli: (cliRun) => {
        for (let turn = 0; turn < 10; turn++) cliRun.onTurnEnd?.(NEW);
        return Promise.resolve(success(NEW, 0.2));
      },
    });
    await (await sessions.run(bot, thread, run, log)).keepSession();
    // One checkpoint during the run (its cost not yet known), then the session as the run left it.
    expect(kept).toEqual([
      { session: { sessionId: NEW, costUsd: 0 }, transcriptOf: NEW },
      { session: { sessionId: NEW, costUsd: 0.2 }, transcriptOf: NEW },
    ]);
  });
});
