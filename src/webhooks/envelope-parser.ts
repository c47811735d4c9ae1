import type { SlackEnvelope } from './slack-events.types';
import { InvalidEnvelopeError } from './webhooks.errors';

/** The body parsed once: the app id is read from it before the signature is checked, the envelope after. */
export type ParsedBody = { readonly json: unknown } | { readonly error: unknown };

export function parseBody(rawBody: Buffer): ParsedBody {
  try {
    return { json: JSON.parse(rawBody.toString('utf8')) };
  } catch (error) {
    return { error };
  }
}

export function appIdOf(body: ParsedBody): string | undefined {
  if (!('json' in body) || !isObject(body.json)) return undefined;
  return typeof body.json.api_app_id === 'string' ? body.json.api_app_id : undefined;
}

/** Shape-checks an Events API envelope; anything else is a 400. */
export function toEnvelope(body: ParsedBody): SlackEnvelope {
  if (!('json' in body)) throw new InvalidEnvelopeError('the body is not JSON', { cause: body.error });
  const { json } = body;
  if (!isObject(json) || typeof json.type !== 'string') {
    throw new InvalidEnvelopeError('the body is not a Slack Events API envelope');
  }
  switch (json.type) {
    case 'url_verification':
      if (typeof json.challenge !== 'string') throw new InvalidEnvelopeError('url_verification without a challenge');
      return { type: 'url_verification', challenge: json.challenge };
    case 'app_rate_limited':
      return json as unknown as SlackEnvelope;
    case 'event_callback': {
      const { event } = json;
      if (typeof json.event_id !== 'string' || typeof json.team_id !== 'string' || !isObject(event)) {
        throw new InvalidEnvelopeError('event_callback without event_id, team_id or event');
      }
      if (typeof event.type !== 'string') throw new InvalidEnvelopeError('event without a type');
      return json as unknown as SlackEnvelope;
    }
    default:
      throw new InvalidEnvelopeError('unsupported envelope type');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
