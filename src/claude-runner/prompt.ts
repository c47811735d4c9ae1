export interface PromptParts {
  /** The user's message, without the bot's mention. */
  readonly text: string;
  /** Earlier messages of the thread, when the bot joins a thread it has no session for. */
  readonly history?: string;
  /** Where the message's files are, and which could not be taken. */
  readonly filesNotice?: string;
}

/** What goes to the CLI's standard input. */
export function buildPrompt({ text, history, filesNotice }: PromptParts): string {
  const sections: string[] = [];
  if (history) sections.push(`Earlier messages in this Slack thread:\n${history}`, `The new message:\n${text}`);
  else sections.push(text);
  if (filesNotice) sections.push(filesNotice);
  return sections.join('\n\n');
}
