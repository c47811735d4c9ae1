// Load generators: closed loop (autocannon, N connections) and open loop (a fixed rate, latency taken
// from the moment each request was due, so that a slow server cannot hide its queueing).
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { percentile, sleep } from './lib/harness.mjs';

/**
 * A supply of requests made ahead of time, so that building and signing them does not load the
 * client during the measurement; it makes more (on the spot) if a run outlasts it.
 */
export function requestPool(make, size) {
  const made = Array.from({ length: size }, make);
  let next = 0;
  return () => (next < made.length ? made[next++] : make());
}

/** Closed loop: `connections` clients each send the next request when the last is answered. */
export async function closedLoop({ url, take, connections = 50, seconds }) {
  const statuses = new Map();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const { body, headers } = take();
          return { ...req, body, headers };
        },
        onResponse: (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
      },
    ],
  });
  const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
  return {
    requests: answered,
    reqPerSec: answered / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    statuses: Object.fromEntries(statuses),
  };
}

/**
 * Open loop: `rate` requests a second for `seconds`, each sent when due whatever the answers before
 * it; latency counts from when it was due. At most `maxInFlight` sockets; requests wait for one.
 */
export async function openLoop({ url, take, rate, seconds, maxInFlight = 256 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies = [];
  const statuses = new Map();
  const prepared = Array.from({ length: total }, take);
  const start = performance.now() + 20;
  const pending = [];
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const due = start + (sent * 1000) / rate;
      const { body, headers } = prepared[sent];
      sent += 1;
      pending.push(
        new Promise((done) => {
          const req = request(
            {
              agent,
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              headers: { ...headers, 'content-length': Buffer.byteLength(body) },
              timeout: 10_000,
            },
            (res) => {
              res.resume();
              res.on('end', () => {
                latencies.push(performance.now() - due);
                statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
                done();
              });
            },
          );
          req.on('error', () => {
            statuses.set(0, (statuses.get(0) ?? 0) + 1);
            done();
          });
          req.end(body);
        }),
      );
    }
    const nextDue = start + (sent * 1000) / rate;
    await sleep(Math.max(0, Math.min(5, nextDue - performance.now())));
  }
  await Promise.race([Promise.all(pending), sleep(15_000)]);
  agent.destroy();
  return {
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    statuses: Object.fromEntries(statuses),
  };
}
