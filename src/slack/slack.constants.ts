/**
 * Slack renders `markdown_text` up to 12,000 characters; parts stay well below it so that a part
 * with code fences reopened still fits, and so that one message stays readable.
 */
export const ANSWER_PART_LIMIT = 10_000;

export const REACTIONS = {
  working: 'eyes',
  succeeded: 'white_check_mark',
  failed: 'x',
} as const;
