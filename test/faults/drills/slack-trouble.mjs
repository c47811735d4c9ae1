// Slack trouble on reply: 429 with Retry-After, 503s, `ok:false ratelimited`, and responses lost
// after Slack accepted the call (a proxy in front of the fake Slack passes the call on, then drops the
// connection instead of the answer) -> Retry-After honoured, exactly one visible answer per mention.
// One mention per fault, one after another, so that each fault hits that mention's calls.
import { createServer, request } from 'node:http';
import { INSTANT_CLAUDE, REDIS_DBS, startFakeSlack, sleep, waitFor } from '../../../bench/lib/harness.mjs';
import { newMention, send, startStack, summarizeViews, threadViews } from '../support.mjs';

/** Forwards to the fake Slack; for the next N calls of a method, drops the connection after Slack acted. */
async function startLossyProxy(target) {
  const lose = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const method = /\/api\/([\w.]+)/.exec(req.url ?? '')?.[1];
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const body = [];
          answer.on('data', (chunk) => body.push(chunk));
          answer.on('end', () => {
            if (method && (lose.get(method) ?? 0) > 0) {
              lose.set(method, lose.get(method) - 1);
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}${target.pathname}`,
    loseNext: (method, times = 1) => lose.set(method, times),
    stop: () => new Promise((done) => server.close(done)).then(() => server.closeAllConnections?.()),
  };
}

const FAULTS = [
  {
    label: '429 Retry-After 2 s on the progress post',
    method: 'chat.postMessage',
    failure: { status: 429, retryAfter: 2 },
    retryAfter: 2,
  },
  {
    label: '429 Retry-After 2 s on the answer (chat.update)',
    method: 'chat.update',
    failure: { status: 429, retryAfter: 2 },
    retryAfter: 2,
  },
  { label: 'HTTP 503 twice on the progress post', method: 'chat.postMessage', failure: { status: 503 }, times: 2 },
  { label: 'HTTP 503 five times on the answer', method: 'chat.update', failure: { status: 503 }, times: 5 },
  { label: 'ok:false ratelimited on the answer', method: 'chat.update', failure: { error: 'ratelimited' }, times: 2 },
  { label: 'HTTP 503 on the 👀 reaction', method: 'reactions.add', failure: { status: 503 }, times: 1 },
  { label: 'response lost after Slack posted the progress message', method: 'chat.postMessage', lost: true },
  { label: 'response lost after Slack updated the answer', method: 'chat.update', lost: true },
  { label: 'response lost after Slack added 👀', method: 'reactions.add', lost: true },
];

export default {
  name: 'slack-trouble',
  title: '429 with Retry-After, 503s, ok:false ratelimited and lost responses on reply',
  cheap: false,
  boundSeconds: 420,
  async run({ say, check }) {
    const slack = await startFakeSlack();
    const proxy = await startLossyProxy(new URL(slack.url));
    const stack = await startStack({
      db: REDIS_DBS.drills,
      slack,
      slackUrl: proxy.url,
      claudeBin: INSTANT_CLAUDE,
      services: [{ name: 'slack-trouble-all', role: 'all' }],
      prefix: 'orch-slack-',
    });
    try {
      const url = stack.services[0].webhookUrl;
      for (const fault of FAULTS) {
        const mention = newMention({ tag: 't' });
        const before = slack.calls(fault.method).length;
        if (fault.lost) proxy.loseNext(fault.method);
        else slack.failNext(fault.method, fault.failure, fault.times ?? 1);
        const sent = await send(url, mention.envelope);
        say(`${fault.label}: mention ${mention.id} sent, webhook ${sent.status}`);
        await waitFor(
          () =>
            threadViews(slack, [mention])[0].finals.some((text) => text.includes(`mention-id=${mention.id}`)) ||
            undefined,
          {
            timeoutMs: 60_000,
            intervalMs: 200,
            message: `mention ${mention.id} to be answered`,
          },
        ).catch(() => undefined);
        await sleep(3_000);
        const summary = summarizeViews(threadViews(slack, [mention]));
        const view = threadViews(slack, [mention])[0];
        check(
          `${fault.label}: one visible answer`,
          '1 answer, no other message',
          `${view.finals.length} final message(s) (${summary.answered ? 'answered' : 'not answered'}), ${view.progress} progress left`,
          view.finals.length === 1 && view.progress === 0 && summary.answered === 1,
        );
        if (fault.retryAfter) {
          const calls = slack.calls(fault.method).slice(before);
          const limited = calls.find((call) => call.status === 429);
          const retry = limited && calls.find((call) => call.at > limited.at && call.status !== 429);
          const gap = retry ? (retry.at - limited.at) / 1000 : undefined;
          check(
            `${fault.label}: Retry-After honoured`,
            `retry >= ${fault.retryAfter} s later`,
            gap === undefined ? 'no retry seen' : `retry ${gap.toFixed(2)} s later`,
            gap !== undefined && gap >= fault.retryAfter - 0.05,
          );
        }
      }
    } finally {
      await stack.stop();
      await proxy.stop();
      await slack.stop();
    }
  },
};
