import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClaudeRunError } from './claude-runner.errors';
import { judgeRun, type RunFacts } from './run-outcome';
import { MAX_ANSWER_CHARS, StreamJsonParser } from './stream-json.parser';

const fixture = (name: string): string[] =>
  readFileSync(join(__dirname, '../../test/fixtures/claude', name), 'utf8').split('\n');

const success = fixture('stream-success.jsonl');
const maxTurns = fixture('stream-error-max-turns.jsonl');

function parse(lines: string[]): StreamJsonParser {
  const parser = new StreamJsonParser();
  for (const line of lines) parser.push(line);
  return parser;
}

function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    exit: { code: 0, signal: null },
    timedOut: false,
    interrupted: false,
    endedAfterResult: false,
    stderrTail: '',
    ...overrides,
  };
}

function failureKind(parser: StreamJsonParser, runFacts: RunFacts): string {
  try {
    judgeRun(parser, runFacts);
  } catch (error) {
    expect(error).toBeInstanceOf(ClaudeRunError);
    return (error as ClaudeRunError).kind;
  }
  throw new Error('expected the run to fail');
}

function replaceResult(
  lines: string[],
  change: (result: Record<string, unknown>) => Record<string, unknown>,
): string[] {
  return lines.map((line) => {
    if (!line.includes('"type":"result"')) return line;
    return JSON.stringify(change(JSON.parse(line) as Record<string, unknown>));
  });
}

describe('stream-json parsing and judging', () => {
  it('takes the answer, the session and the tools of a successful run', () => {
    const parser = parse(success);
    const run = judgeRun(parser, facts());
    expect(run.sessionId).toBe('5d0c3f0e-8a51-4c7e-9f0b-2b7c1e6a9d41');
    expect(run.answer.length).toBeGreaterThan(0);
    expect(parser.result?.result).toBeDefined();
    expect(run.answer).toContain(parser.result!.result!);
    expect(parser.toolsUsed.map((tool) => tool.name)).toEqual(['Read']);
  });

  it('joins every text block of the final message, not only the last', () => {
    const lines = success.filter((line) => line.trim() !== '');
    const resultLine = lines.pop()!;
    const extra = JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'text', text: 'Part B.' }] },
      session_id: 'x',
    });
    const parser = parse([...lines, extra, resultLine]);
    const answer = judgeRun(parser, facts()).answer;
    expect(answer.endsWith('\n\nPart B.')).toBe(true);
    expect(answer.length).toBeGreaterThan('Part B.'.length + 2);
  });

  it('reports the turn limit', () => {
    expect(failureKind(parse(maxTurns), facts({ exit: { code: 1, signal: null } }))).toBe('max_turns');
  });

  it('treats is_error with subtype success as an API error', () => {
    const lines = replaceResult(success, (result) => ({
      ...result,
      is_error: true,
      result: 'API Error: 500',
      terminal_reason: 'api_error',
    }));
    expect(failureKind(parse(lines), facts({ exit: { code: 1, signal: null } }))).toBe('api_error');
  });

  it('treats a missing result line as a failure even with exit 0', () => {
    const lines = success.filter((line) => !line.includes('"type":"result"'));
    expect(failureKind(parse(lines), facts())).toBe('no_result');
    expect(failureKind(parse(lines), facts({ exit: { code: 143, signal: null } }))).toBe('killed');
    expect(failureKind(parse(lines), facts({ exit: { code: null, signal: 'SIGKILL' } }))).toBe('killed');
    expect(failureKind(parse(lines), facts({ exit: { code: 2, signal: null } }))).toBe('cli_error');
  });

  it('recognises a session that cannot be resumed', () => {
    const notFound = JSON.stringify({
      type: 'result',
      subtype: 'error_during_execution',
      is_error: true,
      session_id: 'b7a7c8f0-0000-4000-8000-000000000000',
      num_turns: 0,
      errors: ['No conversation found with session ID: b7a7c8f0-0000-4000-8000-000000000000'],
    });
    expect(failureKind(parse([notFound]), facts({ exit: { code: 1, signal: null } }))).toBe('session_not_found');
    expect(
      failureKind(
        parse([]),
        facts({ exit: { code: 1, signal: null }, stderrTail: 'No conversation found with session ID: x' }),
      ),
    ).toBe('session_not_found');
  });

  it('tolerates unknown line types and lines that are not JSON', () => {
    const noise = [
      '{"type":"system","subtype":"api_retry","attempt":1}',
      '{"type":"stream_event","event":{"type":"message_start"}}',
      '{"type":"rate_limit_event"}',
      'not json at all',
      '',
    ];
    const parser = parse([success[0], ...noise, ...success.slice(1)]);
    expect(judgeRun(parser, facts()).answer).toBe(judgeRun(parse(success), facts()).answer);
    expect(parser.unreadableLines).toBe(1);
  });

  it('lets the time limit and an interruption win over whatever the CLI printed', () => {
    expect(failureKind(parse(success), facts({ timedOut: true }))).toBe('timeout');
    expect(failureKind(parse(success), facts({ interrupted: true }))).toBe('interrupted');
  });

  it('accepts a result followed by a process we had to end', () => {
    expect(
      judgeRun(parse(success), facts({ exit: { code: 143, signal: null }, endedAfterResult: true })).sessionId,
    ).toBeDefined();
  });

  it('refuses an answer too long to deliver instead of holding it all', () => {
    const lines = success.filter((line) => line.trim() !== '');
    const resultLine = lines.pop()!;
    const huge = JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'text', text: 'x'.repeat(MAX_ANSWER_CHARS + 1) }] },
    });
    const parser = parse([...lines, huge, resultLine]);
    expect(failureKind(parser, facts())).toBe('output_too_large');
  });

  it('fails a run whose line was too long to read', () => {
    const parser = parse(success);
    parser.markOversizedLine();
    expect(failureKind(parser, facts())).toBe('output_too_large');
  });

  it('keeps the session id of a failed run so a follow-up can resume it', () => {
    try {
      judgeRun(parse(maxTurns), facts({ exit: { code: 1, signal: null } }));
    } catch (error) {
      expect((error as ClaudeRunError).sessionId).toEqual(expect.any(String));
    }
    expect.assertions(1);
  });
});
