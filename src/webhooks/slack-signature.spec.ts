import vectors from '../../test/fixtures/slack/signature-vectors.json';
import { computeSlackSignature, isValidSlackSignature } from './slack-signature';

interface Vector {
  id: string;
  signing_secret: string;
  timestamp: string;
  body: string;
  expected_signature: string;
}

interface VerificationCase {
  id: string;
  vector: string;
  now_unix: number;
  expect: 'valid' | 'invalid';
  body_override_append?: string;
  signature_override?: string;
  omit_header?: string;
}

const byId = new Map((vectors.vectors as Vector[]).map((vector) => [vector.id, vector]));

describe('Slack request signatures', () => {
  it.each(vectors.vectors as Vector[])('computes the signature of vector $id', (vector) => {
    expect(computeSlackSignature(vector.signing_secret, vector.timestamp, Buffer.from(vector.body))).toBe(
      vector.expected_signature,
    );
  });

  it.each(vectors.verification_cases as VerificationCase[])('judges case $id as $expect', (testCase) => {
    const vector = byId.get(testCase.vector)!;
    const request = {
      timestamp: testCase.omit_header === 'X-Slack-Request-Timestamp' ? undefined : vector.timestamp,
      signature:
        testCase.omit_header === 'X-Slack-Signature'
          ? undefined
          : (testCase.signature_override ?? vector.expected_signature),
      rawBody: Buffer.from(vector.body + (testCase.body_override_append ?? '')),
    };
    expect(isValidSlackSignature(request, vector.signing_secret, testCase.now_unix)).toBe(testCase.expect === 'valid');
  });

  it('refuses a timestamp that is not a whole number', () => {
    const vector = byId.get('slack-docs-slash-command')!;
    const request = {
      timestamp: `${vector.timestamp}.5`,
      signature: vector.expected_signature,
      rawBody: Buffer.from(vector.body),
    };
    expect(isValidSlackSignature(request, vector.signing_secret, Number(vector.timestamp))).toBe(false);
  });

  it('refuses the right signature made with another secret', () => {
    const vector = byId.get('derived-app-mention-compact-json')!;
    const request = {
      timestamp: vector.timestamp,
      signature: vector.expected_signature,
      rawBody: Buffer.from(vector.body),
    };
    expect(isValidSlackSignature(request, 'another-secret', Number(vector.timestamp))).toBe(false);
  });
});
