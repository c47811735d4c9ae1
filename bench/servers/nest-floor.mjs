// (e) The floor of the orchestrator's own stack: NestJS 12 on Express, the body read raw once, a
// controller that checks the signature, routes the mention and does the Redis work in two round trips
// (intake-work.mjs), no logging, no metrics. What d could reach on this framework with every
// avoidable cost removed; d/e says how much of d is ours, e/b how much is the framework's.
import 'reflect-metadata';
import { Controller, HttpCode, Module, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import { checkSlackSignature, parseBody, toEnvelope } from '../lib/product.mjs';
import { connect, fewestRoundTrips, identityFromEnv, messageOf } from './intake-work.mjs';

const secret = process.env.SLACK_SIGNING_SECRET;
const identity = identityFromEnv();
const backend = connect();

class Webhooks {
  async receive(req, res) {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const timestamp = req.headers['x-slack-request-timestamp'];
    const signature = req.headers['x-slack-signature'];
    if (checkSlackSignature({ timestamp, signature, rawBody }, secret) !== 'valid') {
      return res.status(401).json({ statusCode: 401 });
    }
    let envelope;
    try {
      envelope = toEnvelope(parseBody(rawBody));
    } catch {
      return res.status(400).json({ statusCode: 400 });
    }
    const routed = envelope.type === 'event_callback' ? messageOf(backend, envelope, identity) : undefined;
    try {
      if (routed) await fewestRoundTrips(backend, envelope.event_id, routed);
    } catch {
      return res.status(503).json({ statusCode: 503 });
    }
    return res.json({ ok: true });
  }
}
// Decorators applied by hand: this file is plain JavaScript.
Controller('webhooks/slack')(Webhooks);
const method = Object.getOwnPropertyDescriptor(Webhooks.prototype, 'receive');
Req()(Webhooks.prototype, 'receive', 0);
Res()(Webhooks.prototype, 'receive', 1);
HttpCode(200)(Webhooks.prototype, 'receive', method);
Post()(Webhooks.prototype, 'receive', method);

class AppModule {}
Module({ controllers: [Webhooks] })(AppModule);

const app = await NestFactory.create(AppModule, { bodyParser: false, logger: false });
app.use('/webhooks', express.raw({ type: () => true, limit: 1024 * 1024 }));
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => void Promise.allSettled([app.close(), backend.close()]).then(() => process.exit(0)));
