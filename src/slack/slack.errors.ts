import { WebAPIPlatformError } from '@slack/web-api';

/** Slack's own error code (`invalid_auth`, `ratelimited`, …), or undefined for transport failures. */
export function slackErrorCode(error: unknown): string | undefined {
  return error instanceof WebAPIPlatformError ? error.data.error : undefined;
}

/** Token problems that no retry can fix. */
const AUTH_ERROR_CODES = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

export function isSlackAuthError(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code !== undefined && AUTH_ERROR_CODES.has(code);
}
