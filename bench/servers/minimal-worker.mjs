// The baseline of the pipeline benchmark: a hand-written BullMQ worker doing the Slack side of a job
// the way the orchestrator's worker does it (👀, a progress message, run the CLI, the answer in place
// of the progress, 👀 swapped for ✅), with nothing else: no thread order, no sessions, no markers,
// no metrics, no logs. Its figures are the floor for this work on this machine. The jobs are the
// orchestrator's (its api adds them), kept and removed as their own options say.
import { Worker } from 'bullmq';
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { CLAUDE_QUEUE, QUEUE_PREFIX, redisOptionsFromUrl } from '../lib/product.mjs';

const slack = new URL(process.env.SLACK_API_URL);
const token = process.env.SLACK_BOT_TOKEN;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(method, args) {
  const body = new URLSearchParams(args).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: slack.hostname,
        port: slack.port,
        path: `${slack.pathname}${method}`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function runCli(prompt, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.CLAUDE_BIN, ['-p', '--output-format', 'stream-json', '--verbose'], {
      cwd,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let answer;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line);
      if (parsed.type === 'result') answer = parsed.result;
    });
    child.once('error', reject);
    child.once('close', () => resolve(answer ?? ''));
    child.stdin.end(prompt);
  });
}

const worker = new Worker(
  CLAUDE_QUEUE,
  async (job) => {
    const waitMs = Date.now() - job.timestamp;
    const { channel, messageTs, threadTs, text, eventId } = job.data;
    await call('reactions.add', { channel, timestamp: messageTs, name: 'eyes' });
    const progress = await call('chat.postMessage', { channel, thread_ts: threadTs, text: 'Working on it…' });
    const answer = await runCli(text, process.env.CLAUDE_WORKING_DIRECTORY);
    await call('chat.update', { channel, ts: progress.ts, markdown_text: answer });
    await call('reactions.remove', { channel, timestamp: messageTs, name: 'eyes' });
    await call('reactions.add', { channel, timestamp: messageTs, name: 'white_check_mark' });
    process.stdout.write(`${JSON.stringify({ msg: 'job finished', waitMs, eventId })}\n`);
  },
  {
    connection: redisOptionsFromUrl(process.env.REDIS_URL),
    prefix: QUEUE_PREFIX,
    concurrency: Number(process.env.WORKER_CONCURRENCY ?? 16),
  },
);
worker.on('error', () => undefined);
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
