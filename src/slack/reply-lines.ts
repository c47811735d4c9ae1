/** The short lines the bots say in threads besides answers, in one place so they read alike. */

export function stoppedLine(by: string): string {
  return `:octagonal_sign: Stopped by <@${by}>.`;
}

export const RATE_LIMITED_LINE =
  "You're sending requests faster than I can take them. Please wait a minute and try again.";

export const FRESH_SESSION_LINE =
  ':information_source: I could not pick up our earlier conversation in this thread, so I started a new one.';

export const INTERRUPTED_LINE =
  ':warning: I was interrupted while working on this (my worker restarted). Please ask again if you still need it.';

export function overBudgetLine(budgetUsd: number): string {
  return `:money_with_wings: I have used up today's budget ($${budgetUsd.toFixed(2)}). I can take new requests again after midnight UTC.`;
}
