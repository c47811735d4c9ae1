import type { ResultLine, TextBlock, ToolUseBlock } from './stream-json.types';

/**
 * Follows one CLI run line by line. Unknown line types are tolerated (the CLI has dozens); what it
 * keeps is the session id, the tools used, the final text and the result line.
 */
export class StreamJsonParser {
  private sessionIdSeen: string | undefined;
  private modelSeen: string | undefined;
  private resultLine: ResultLine | undefined;
  /** Text blocks after the last tool result: what the model said at the end. */
  private finalTexts: string[] = [];
  private toolUses: ToolUseBlock[] = [];
  private unreadable = 0;

  push(line: string): void {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.unreadable += 1;
      return;
    }
    if (!isRecord(parsed)) return;
    switch (parsed.type) {
      case 'system':
        if (parsed.subtype === 'init' && typeof parsed.session_id === 'string') {
          this.sessionIdSeen = parsed.session_id;
          if (typeof parsed.model === 'string') this.modelSeen = parsed.model;
        }
        break;
      case 'assistant':
        this.readAssistant(parsed);
        break;
      case 'user':
        if (hasToolResult(parsed)) this.finalTexts = [];
        break;
      case 'result':
        if (typeof parsed.is_error === 'boolean' && typeof parsed.subtype === 'string') {
          this.resultLine = parsed as unknown as ResultLine;
          if (typeof parsed.session_id === 'string') this.sessionIdSeen = parsed.session_id;
        }
        break;
      default:
        break;
    }
  }

  get sessionId(): string | undefined {
    return this.sessionIdSeen;
  }

  /** The model the session runs on, as the CLI resolved it. */
  get model(): string | undefined {
    return this.modelSeen;
  }

  get result(): ResultLine | undefined {
    return this.resultLine;
  }

  get toolsUsed(): readonly ToolUseBlock[] {
    return this.toolUses;
  }

  get unreadableLines(): number {
    return this.unreadable;
  }

  /**
   * Everything the model wrote after its last tool call. The result line's `result` holds only the
   * last text block, so it is the fallback, not the source.
   */
  get answer(): string {
    const joined = this.finalTexts.join('\n\n').trim();
    return joined !== '' ? joined : (this.resultLine?.result ?? '').trim();
  }

  private readAssistant(line: Record<string, unknown>): void {
    const message = line.message;
    if (!isRecord(message) || !Array.isArray(message.content)) return;
    for (const block of message.content as unknown[]) {
      if (!isRecord(block)) continue;
      if (block.type === 'text' && typeof block.text === 'string')
        this.finalTexts.push((block as unknown as TextBlock).text);
      if (block.type === 'tool_use' && typeof block.name === 'string') {
        this.toolUses.push(block as unknown as ToolUseBlock);
        this.finalTexts = [];
      }
    }
  }
}

function hasToolResult(line: Record<string, unknown>): boolean {
  const message = line.message;
  if (!isRecord(message) || !Array.isArray(message.content)) return false;
  return (message.content as unknown[]).some((block) => isRecord(block) && block.type === 'tool_result');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
