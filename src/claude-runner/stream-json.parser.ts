import type { ResultLine, TextBlock, ToolUseBlock } from './stream-json.types';

/** More answer than anyone reads in Slack, and a bound on what one run may hold in memory. */
export const MAX_ANSWER_CHARS = 1_000_000;
const MAX_TOOLS_KEPT = 1_000;

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
  private toolCount = 0;
  private turnsDone = 0;
  private lastTool: ToolUseBlock | undefined;
  private unreadable = 0;
  private finalChars = 0;
  private overflowed = false;

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
        if (hasToolResult(parsed)) {
          this.clearText();
          this.turnsDone += 1;
        }
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

  /** The model wrote more than MAX_ANSWER_CHARS at the end: the answer is not complete. */
  get answerOverflowed(): boolean {
    return this.overflowed;
  }

  get lastToolUse(): ToolUseBlock | undefined {
    return this.lastTool;
  }

  /** A line too long to read was dropped: whatever it held, the answer cannot be whole. */
  markOversizedLine(): void {
    this.overflowed = true;
  }

  /** Every tool call of the run, counted; only the first MAX_TOOLS_KEPT are kept. */
  get toolCalls(): number {
    return this.toolCount;
  }

  /** Turns whose tool results are back: the transcript up to here can be resumed. */
  get turnsCompleted(): number {
    return this.turnsDone;
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

  private keepText(text: string): void {
    if (this.finalChars + text.length > MAX_ANSWER_CHARS) {
      this.overflowed = true;
      return;
    }
    this.finalTexts.push(text);
    this.finalChars += text.length;
  }

  private clearText(): void {
    this.finalTexts = [];
    this.finalChars = 0;
    this.overflowed = false;
  }

  private readAssistant(line: Record<string, unknown>): void {
    const message = line.message;
    if (!isRecord(message) || !Array.isArray(message.content)) return;
    for (const block of message.content as unknown[]) {
      if (!isRecord(block)) continue;
      if (block.type === 'text' && typeof block.text === 'string') this.keepText((block as unknown as TextBlock).text);
      if (block.type === 'tool_use' && typeof block.name === 'string') {
        const tool = block as unknown as ToolUseBlock;
        if (this.toolUses.length < MAX_TOOLS_KEPT) this.toolUses.push(tool);
        this.lastTool = tool;
        this.toolCount += 1;
        this.clearText();
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
