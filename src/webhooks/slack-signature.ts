import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses requests older than five minutes; we refuse them in the future too. */
export const REPLAY_WINDOW_SECONDS = 300;

export interface SignedRequest {
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: Buffer;
}

export type SignatureVerdict = 'valid' | 'stale' | 'invalid';

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, compared in constant time. */
export function isValidSlackSignature(
  request: SignedRequest,
  signingSecret: string,
  nowSeconds: number = Date.now() / 1000,
): boolean {
  return checkSlackSignature(request, signingSecret, nowSeconds) === 'valid';
}

/** As isValidSlackSignature, telling a stale or future timestamp apart from a wrong signature. */
export function checkSlackSignature(
  request: SignedRequest,
  signingSecret: string,
  nowSeconds: number = Date.now() / 1000,
): SignatureVerdict {
  const { timestamp, signature, rawBody } = request;
  if (timestamp === undefined || signature === undefined) return 'invalid';
  if (!/^\d+$/.test(timestamp) || !signature.startsWith('v0=')) return 'invalid';
  if (Math.abs(nowSeconds - Number(timestamp)) > REPLAY_WINDOW_SECONDS) return 'stale';
  const expected = Buffer.from(computeSlackSignature(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'invalid';
}

export function computeSlackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}
