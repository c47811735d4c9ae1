// (a) The ceiling for Node here: a bare node:http server that reads the body, checks Slack's
// signature and answers 200. No routing, no Redis. It is also the memory benchmark's floor, so it
// loads the orchestrator's signature check alone, not the rest of its code (../lib/product.mjs).
import { createServer } from 'node:http';
import { checkSlackSignature } from '../../dist/webhooks/slack-signature.js';

const secret = process.env.SLACK_SIGNING_SECRET;
const port = Number(process.env.PORT);

createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200).end('ok');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const request = {
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      rawBody: Buffer.concat(chunks),
    };
    if (checkSlackSignature(request, secret) !== 'valid') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
