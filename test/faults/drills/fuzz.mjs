// Fuzzed webhook: malformed, mis-signed, truncated, oversized, wrong-content-type and deeply nested
// requests (and a few validly signed ones that must be ignored) -> no 5xx, no crash, no job without a
// valid signature, and each answered with the contract's status for its kind.
import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BOT, INSTANT_CLAUDE, REDIS_DBS, mentionEnvelope, processAlive, sign } from '../../../bench/lib/harness.mjs';
import { jobCounts, pool, show, startStack, total } from '../support.mjs';

const now = () => Math.floor(Date.now() / 1000);
const json = (value) => Buffer.from(JSON.stringify(value));
const mention = () => mentionEnvelope({ user: 'U0FUZZ0001' });

/** Headers signed over `body` with our secret at `timestamp` (or a wrong signature). */
function headers(body, { timestamp = now(), good = true, type = 'application/json', extra = {} } = {}) {
  const ts = String(timestamp);
  return {
    'content-type': type,
    'x-slack-request-timestamp': ts,
    'x-slack-signature': good ? sign(BOT.signingSecret, ts, body) : sign('not-the-secret', ts, body),
    ...extra,
  };
}

function nested(depth, open, close, inner = '1') {
  return Buffer.from(open.repeat(depth) + inner + close.repeat(depth));
}

function randomBytes(length) {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

/** Each kind: how often (weight), how to build it, and the status the contract gives it. */
const KINDS = [
  {
    name: 'wrong signature',
    weight: 10,
    expect: [401],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { good: false }) };
    },
  },
  {
    name: 'no signature',
    weight: 5,
    expect: [401],
    make: () => {
      const b = json(mention());
      const h = headers(b);
      delete h['x-slack-signature'];
      return { body: b, headers: h };
    },
  },
  {
    name: 'no timestamp',
    weight: 4,
    expect: [401],
    make: () => {
      const b = json(mention());
      const h = headers(b);
      delete h['x-slack-request-timestamp'];
      return { body: b, headers: h };
    },
  },
  {
    name: 'stale timestamp',
    weight: 5,
    expect: [401],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { timestamp: now() - 600 }) };
    },
  },
  {
    name: 'future timestamp',
    weight: 3,
    expect: [401],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { timestamp: now() + 600 }) };
    },
  },
  {
    name: 'non-numeric timestamp',
    weight: 2,
    expect: [401],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { timestamp: `${now()}.5` }) };
    },
  },
  {
    name: 'v1 signature',
    weight: 2,
    expect: [401],
    make: () => {
      const b = json(mention());
      const h = headers(b);
      h['x-slack-signature'] = h['x-slack-signature'].replace('v0=', 'v1=');
      return { body: b, headers: h };
    },
  },
  {
    name: 'garbage bytes, unsigned',
    weight: 6,
    expect: [401],
    make: () => {
      const b = randomBytes(1 + Math.floor(Math.random() * 3000));
      return { body: b, headers: headers(b, { good: false }) };
    },
  },
  {
    name: 'garbage bytes, signed',
    weight: 6,
    expect: [400],
    make: () => {
      const b = randomBytes(1 + Math.floor(Math.random() * 3000));
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'truncated JSON, signed over the cut',
    weight: 6,
    expect: [400],
    make: () => {
      const full = json(mention());
      const b = full.subarray(0, Math.floor(Math.random() * (full.length - 1)));
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'truncated JSON, signature of the whole',
    weight: 4,
    expect: [401],
    make: () => {
      const full = json(mention());
      const h = headers(full);
      return { body: full.subarray(0, Math.floor(full.length / 2)), headers: h };
    },
  },
  {
    name: 'wrong content type, unsigned',
    weight: 4,
    expect: [401],
    make: () => {
      const b = json(mention());
      return {
        body: b,
        headers: headers(b, {
          good: false,
          type: [
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
          ][Math.floor(Math.random() * 4)],
        }),
      };
    },
  },
  {
    name: 'wrong content type, signed url_verification',
    weight: 2,
    expect: [200],
    make: () => {
      const b = json({ type: 'url_verification', challenge: 'fuzz-challenge', token: 'x' });
      return { body: b, headers: headers(b, { type: 'text/plain' }) };
    },
  },
  {
    name: 'deeply nested arrays, unsigned',
    weight: 2,
    expect: [401],
    make: () => {
      const b = nested(100_000, '[', ']');
      return { body: b, headers: headers(b, { good: false }) };
    },
  },
  {
    name: 'deeply nested arrays, signed',
    weight: 2,
    expect: [400],
    make: () => {
      const b = nested(100_000, '[', ']');
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'deeply nested event, signed',
    weight: 2,
    expect: [400],
    make: () => {
      const b = Buffer.concat([
        Buffer.from('{"type":"event_callback","event_id":"EvDeep","team_id":"T1","event":'),
        nested(50_000, '{"a":', '}'),
        Buffer.from('}'),
      ]);
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'envelope of the wrong shape, signed',
    weight: 5,
    expect: [400],
    make: () => {
      const shapes = [
        { type: 'event_callback', event: [] },
        { type: 'event_callback', event_id: 7, team_id: BOT.team, event: { type: 'app_mention' } },
        { type: 'event_callback', event_id: 'Ev1', team_id: BOT.team, event: { text: 'no type' } },
        { type: 42 },
        [1, 2, 3],
        'a string',
        null,
        { type: 'url_verification' },
        { type: 'block_actions' },
      ];
      const b = json(shapes[Math.floor(Math.random() * shapes.length)]);
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'event to ignore, signed',
    weight: 4,
    expect: [200],
    make: () => {
      const e = mention();
      const variants = [
        { subtype: 'bot_message', bot_id: 'B0OTHER' },
        { subtype: 'message_changed', hidden: true },
        { user: BOT.userId },
        { user: undefined },
        { text: `<@${BOT.userId}>` },
      ];
      Object.assign(e.event, variants[Math.floor(Math.random() * variants.length)]);
      const b = json(e);
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'url_verification, signed',
    weight: 2,
    expect: [200],
    make: () => {
      const b = json({ type: 'url_verification', challenge: 'c-fuzz', token: 'x' });
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'empty body, signed',
    weight: 2,
    expect: [400],
    make: () => {
      const b = Buffer.alloc(0);
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'invalid UTF-8, signed',
    weight: 2,
    expect: [400],
    make: () => {
      const b = Buffer.concat([Buffer.from('{"type":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'gzip-encoded garbage, signed',
    weight: 1,
    expect: [400],
    make: () => {
      const b = Buffer.from('not gzip at all');
      return { body: b, headers: headers(b, { extra: { 'content-encoding': 'gzip' } }) };
    },
  },
  {
    name: 'gzip-encoded mention, unsigned',
    weight: 1,
    expect: [401],
    make: () => {
      const b = gzipSync(json(mention()));
      return { body: b, headers: headers(b, { good: false, extra: { 'content-encoding': 'gzip' } }) };
    },
  },
  {
    name: 'unknown content encoding',
    weight: 1,
    expect: [400],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { good: false, extra: { 'content-encoding': 'snappy' } }) };
    },
  },
  {
    name: 'unknown bot route',
    weight: 2,
    expect: [404],
    path: '/webhooks/slack/no-such-bot',
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b) };
    },
  },
  {
    name: 'oversized body (1 MiB + 1)',
    weight: 0.2,
    expect: [413],
    make: () => {
      const b = Buffer.alloc(1024 * 1024 + 1, 0x20);
      return { body: b, headers: headers(b, { good: false }) };
    },
  },
  {
    name: 'oversized headers (32 KB)',
    weight: 0.5,
    expect: [431],
    make: () => {
      const b = json(mention());
      return { body: b, headers: headers(b, { good: false, extra: { 'x-junk': 'j'.repeat(32 * 1024) } }) };
    },
  },
];

const WEIGHT = KINDS.reduce((sum, kind) => sum + kind.weight, 0);
function pick() {
  let roll = Math.random() * WEIGHT;
  for (const kind of KINDS) {
    roll -= kind.weight;
    if (roll <= 0) return kind;
  }
  return KINDS[0];
}

function post(agent, base, path, { body, headers: head }) {
  return new Promise((done) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: { ...head, 'content-length': body.length },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => done({ status: 0, text: error.code ?? error.message }));
    req.end(body);
  });
}

export default {
  name: 'fuzz',
  title: 'malformed, mis-signed, truncated, oversized, wrong-type and deeply nested webhooks',
  cheap: true,
  boundSeconds: 600,
  async run({ options, say, check }) {
    const count = options.fuzzCount;
    const stack = await startStack({
      db: REDIS_DBS.drillsB,
      claudeBin: INSTANT_CLAUDE,
      services: [{ name: 'fuzz-api', role: 'api' }],
      prefix: 'orch-fuzz-',
    });
    try {
      const service = stack.services[0];
      const base = new URL(service.url);
      const agent = new Agent({ keepAlive: true, maxSockets: 32 });
      const byKind = new Map(KINDS.map((kind) => [kind.name, { sent: 0, statuses: {}, wrong: 0 }]));
      const started = Date.now();
      say(`sending ${count} requests of ${KINDS.length} kinds, 32 at a time, to ${service.webhookUrl}`);
      await pool(
        Array.from({ length: count }, () => async () => {
          const kind = pick();
          const result = await post(agent, base, kind.path ?? '/webhooks/slack', kind.make());
          const tally = byKind.get(kind.name);
          tally.sent += 1;
          tally.statuses[result.status] = (tally.statuses[result.status] ?? 0) + 1;
          const ok =
            kind.expect.includes(result.status) &&
            (kind.name.includes('url_verification') ? result.text.includes('challenge') : true);
          if (!ok) tally.wrong += 1;
        }),
        32,
      );
      agent.destroy();
      say(`sent in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const kind of KINDS) {
        const tally = byKind.get(kind.name);
        say(`  ${kind.name}: ${tally.sent} sent, expected ${kind.expect.join('/')}, saw {${show(tally.statuses)}}`);
      }
      const all = [...byKind.values()];
      const sum = (pick5) => all.reduce((total, tally) => total + pick5(tally), 0);
      const fivexx = sum((tally) =>
        Object.entries(tally.statuses)
          .filter(([status]) => Number(status) >= 500)
          .reduce((n, [, c]) => n + c, 0),
      );
      const noAnswer = sum((tally) => tally.statuses[0] ?? 0);
      check('5xx answers', '0', String(fivexx), fivexx === 0);
      check('requests without an answer (connection dropped)', '0', String(noAnswer), noAnswer === 0);
      const wrong = all.filter((tally) => tally.wrong > 0).length;
      check(
        'each kind answered with its contract status',
        `${KINDS.length} kinds right`,
        `${KINDS.length - wrong} right${
          wrong
            ? `; wrong: ${[...byKind]
                .filter(([, t]) => t.wrong > 0)
                .map(([n, t]) => `${n} (${t.wrong})`)
                .join(', ')}`
            : ''
        }`,
        wrong === 0,
      );
      const live = await fetch(`${service.url}/health/live`).then(
        (r) => r.status,
        () => 0,
      );
      check(
        'the service is still up, same process',
        `alive, /health/live 200`,
        `${processAlive(service.pid) ? 'alive' : 'gone'}, /health/live ${live}`,
        processAlive(service.pid) && live === 200,
      );
      const jobs = total(await jobCounts(stack.redisUrl));
      check('jobs created', '0 (no request carried a valid mention)', String(jobs), jobs === 0);
    } finally {
      await stack.stop();
    }
  },
};
