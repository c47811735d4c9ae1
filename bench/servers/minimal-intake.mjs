// (b) The limit for this work: a hand-written node:http server doing what the orchestrator's webhook
// does (verify the signature, parse once, route, de-dupe, rate limit, Queue.add) in two Redis round
// trips, without per-request logging. Answers as the contract says: 401, 400, 200, 503.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, fewestRoundTrips, limitFromEnv, messageOf } from './intake-work.mjs';

const secret = process.env.SLACK_SIGNING_SECRET;
const botUserId = process.env.BENCH_BOT_USER_ID;
const port = Number(process.env.PORT);
const limit = limitFromEnv();
const backend = connect(process.env.REDIS_URL);
const MAX_BODY = 1024 * 1024;

function valid(headers, body) {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function answer(res, status, body = '{"ok":true}') {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

async function handle(body, headers) {
  if (!valid(headers, body)) return [401];
  let envelope;
  try {
    envelope = JSON.parse(body.toString('utf8'));
  } catch {
    return [400];
  }
  if (envelope?.type === 'url_verification') return [200, JSON.stringify({ challenge: envelope.challenge })];
  if (envelope?.type !== 'event_callback' || typeof envelope.event !== 'object') return [400];
  const message = messageOf(envelope, botUserId);
  if (!message) return [200];
  try {
    await fewestRoundTrips(backend, 'bench', message, limit);
    return [200];
  } catch {
    return [503];
  }
}

createServer((req, res) => {
  if (req.method === 'GET') return answer(res, 200, 'ok');
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return answer(res, 413);
    handle(Buffer.concat(chunks), req.headers).then(([status, body]) => answer(res, status, body));
  });
}).listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  void Promise.allSettled([backend.queue.close(), backend.redis.quit()]).then(() => process.exit(0));
});
