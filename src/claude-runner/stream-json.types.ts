/** The lines of `claude -p --output-format stream-json --verbose` that the runner reads. */
export interface InitLine {
  readonly type: 'system';
  readonly subtype: 'init';
  readonly session_id: string;
}

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface ToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
}

export interface AssistantLine {
  readonly type: 'assistant';
  readonly message: { readonly content: readonly { readonly type: string }[] };
}

export interface UserLine {
  readonly type: 'user';
  readonly message: { readonly content: readonly { readonly type: string }[] | string };
}

export interface ResultLine {
  readonly type: 'result';
  readonly subtype: string;
  readonly is_error: boolean;
  readonly session_id: string;
  readonly result?: string;
  readonly errors?: readonly string[];
  readonly num_turns?: number;
  readonly duration_ms?: number;
  readonly total_cost_usd?: number;
  readonly terminal_reason?: string;
  readonly permission_denials?: readonly unknown[];
  /** Tokens of this invocation. */
  readonly usage?: {
    readonly input_tokens?: number;
    readonly output_tokens?: number;
    readonly cache_read_input_tokens?: number;
    readonly cache_creation_input_tokens?: number;
  };
  /** Per model, cumulative over the session. */
  readonly modelUsage?: Readonly<Record<string, { readonly costUSD?: number }>>;
}
