/** A start-up configuration problem; its message is the single line the operator sees. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
