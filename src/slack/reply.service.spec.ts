import { botConfig, IDS } from '../../test/factories';
import { strictFake } from '../../test/strict-fake';
import type { ProgressMessage } from './progress-message';
import { ReplyService } from './reply.service';
import type { SlackService } from './slack.service';

const bot = botConfig();
const thread = { channel: IDS.channel, threadTs: '1.0' };
const asking = { channel: IDS.channel, ts: '1.0' };

/** What the thread shows: lines in place of the progress, notices, and the asking message's reaction. */
function replies() {
  const shown: string[] = [];
  let reaction = 'eyes';
  const slack = strictFake<SlackService>('slack', {
    postNotice: (_bot, _thread, text: string) => Promise.resolve(void shown.push(text)),
    swapReaction: (_bot, _channel, _ts, _from, to: string) => Promise.resolve(void (reaction = to)),
  });
  const progress = strictFake<ProgressMessage>('progress', {
    finishWithLine: (text: string) => Promise.resolve(void shown.push(text)),
    finish: (answer: string) => Promise.resolve(void shown.push(answer)),
  });
  return { service: new ReplyService(slack), progress, shown, reaction: () => reaction };
}

describe('ReplyService', () => {
  it('says who stopped a job, in place of the progress, with the stop reaction', async () => {
    const { service, progress, shown, reaction } = replies();
    await service.ended(bot, asking, progress, { kind: 'stopped', by: IDS.alice });
    expect({ shown, reaction: reaction() }).toEqual({
      shown: [`:octagonal_sign: Stopped by <@${IDS.alice}>.`],
      reaction: 'octagonal_sign',
    });
  });

  it('says a failure in one line with its kind, and marks the message ❌', async () => {
    const { service, progress, shown, reaction } = replies();
    await service.ended(bot, asking, progress, { kind: 'failed', failure: 'timeout', timeoutSeconds: 600 });
    expect({ shown, reaction: reaction() }).toEqual({
      shown: [':x: Sorry, I could not finish this: it took longer than 10 min, so I stopped. (timeout)'],
      reaction: 'x',
    });
  });

  it('declines over budget with the budget in dollars', async () => {
    const { service, shown } = replies();
    await service.refused(bot, thread, { kind: 'over_budget', budgetUsd: 20 });
    expect(shown).toEqual([
      ":money_with_wings: I have used up today's budget ($20.00). I can take new requests again after midnight UTC.",
    ]);
  });

  it('delivers the answer, then marks the message ✅', async () => {
    const { service, progress, shown, reaction } = replies();
    await service.answered(bot, asking, progress, 'the answer', 0, () => Promise.resolve());
    expect({ shown, reaction: reaction() }).toEqual({ shown: ['the answer'], reaction: 'white_check_mark' });
  });
});
