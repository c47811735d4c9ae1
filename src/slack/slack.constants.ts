/**
 * Slack renders `markdown_text` up to 12,000 characters and refuses a little above it; parts stay
 * below with room for a code fence closed and reopened at a cut.
 */
export const ANSWER_PART_LIMIT = 10_000;
/** Past this many parts a thread becomes a wall: the answer goes in a file behind a short head. */
export const MAX_ANSWER_PARTS = 5;

export const PROGRESS = {
  /** At most one progress update per message this often (Slack's chat.update is Tier 3). */
  minIntervalMs: 1_500,
  /** The slowest progress gets when Slack keeps rate-limiting it. */
  maxIntervalMs: 30_000,
  /** How often the final update is tried against `ok:false ratelimited`, waiting longer each time. */
  finalAttempts: 5,
  finalRetryMs: 1_000,
  /** Size of the head shown in the thread when the whole answer goes in a file. */
  headChars: 2_500,
} as const;

export const REACTIONS = {
  working: 'eyes',
  succeeded: 'white_check_mark',
  failed: 'x',
  stopped: 'octagonal_sign',
} as const;
