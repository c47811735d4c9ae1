// (b) The limit for this work: a hand-written node:http server doing what the orchestrator's webhook
// does (verify the signature, parse once, route, de-dupe, rate limit, Queue.add) with the
// orchestrator's own functions, in two Redis round trips, without per-request logging. Answers as the
// contract says: 401, 400, 200, 503.
import { createServer } from 'node:http';
import { checkSlackSignature, parseBody, toEnvelope } from '../lib/product.mjs';
import { connect, fewestRoundTrips, identityFromEnv, messageOf } from './intake-work.mjs';

const secret = process.env.SLACK_SIGNING_SECRET;
const identity = identityFromEnv();
const port = Number(process.env.PORT);
const backend = connect();
const MAX_BODY = 1024 * 1024;

function answer(res, status, body = '{"ok":true}') {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

async function handle(rawBody, headers) {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (checkSlackSignature({ timestamp, signature, rawBody }, secret) !== 'valid') return [401];
  let envelope;
  try {
    envelope = toEnvelope(parseBody(rawBody));
  } catch {
    return [400];
  }
  if (envelope.type === 'url_verification') return [200, JSON.stringify({ challenge: envelope.challenge })];
  const routed = envelope.type === 'event_callback' ? messageOf(backend, envelope, identity) : undefined;
  if (!routed) return [200];
  try {
    await fewestRoundTrips(backend, envelope.event_id, routed);
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
    void handle(Buffer.concat(chunks), req.headers).then(([status, body]) => answer(res, status, body));
  });
}).listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  void backend.close().then(() => process.exit(0));
});
