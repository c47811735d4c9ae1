export const PERMISSION_MODES = [
  'default',
  'acceptEdits',
  'auto',
  'bypassPermissions',
  'manual',
  'dontAsk',
  'plan',
] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

export interface ClaudeSettings {
  readonly model?: string;
  readonly maxTurns?: number;
  readonly maxBudgetUsd?: number;
  readonly permissionMode?: PermissionMode;
  readonly tools?: readonly string[];
  readonly allowedTools?: readonly string[];
  readonly disallowedTools?: readonly string[];
  readonly appendSystemPrompt?: string;
  /** The only variables, with PATH, HOME and LANG, that reach the CLI. */
  readonly env: Readonly<Record<string, string>>;
}

export interface BotConfig {
  readonly id: string;
  readonly appId?: string;
  readonly signingSecret: string;
  readonly token: string;
  readonly workingDirectory: string;
  /** Empty: any channel the bot is in. */
  readonly channels: readonly string[];
  /** Empty: anyone. */
  readonly users: readonly string[];
  /** May stop anyone's job of this bot, not only their own. */
  readonly admins: readonly string[];
  /** Answer people of other organisations (Slack Connect) too; off by default. */
  readonly allowExternalUsers: boolean;
  readonly directMessages: boolean;
  readonly timeoutSeconds: number;
  /** Past this spend in one UTC day the bot declines new requests until the next day. */
  readonly budgetUsdPerDay?: number;
  /** The OS user (name, uid or uid:gid) this bot's CLI runs as; overrides AGENT_USER. */
  readonly runAs?: string;
  readonly claude: ClaudeSettings;
}

/** Who the bot is in Slack, learned from `auth.test`. */
export interface BotIdentity {
  readonly userId: string;
  readonly botId: string | undefined;
  readonly teamId: string;
  /** The Enterprise Grid organisation, when the bot is installed in one. */
  readonly enterpriseId?: string;
}
