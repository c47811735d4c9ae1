import type { FakeSlackServer, StoredMessage } from './fakes/fake-slack-server';
import { cliRecords, type CliRecord, waitFor, type Workspace } from './utils';

export const PROGRESS = /^:hourglass_flowing_sand:/;

/** What a person sees of a bot message: its Markdown, or its plain text. */
export function contentOf(message: StoredMessage): string {
  return message.markdown_text ?? message.text ?? '';
}

export function isProgress(message: StoredMessage): boolean {
  return PROGRESS.test(contentOf(message));
}

/** Reading threads as the fake Slack stores them, and the fake CLI's runs, for the e2e specs. */
export class ThreadReader {
  constructor(
    private readonly slack: FakeSlackServer,
    private readonly workspace: Workspace,
  ) {}

  repliesIn(channel: string, threadTs: string): StoredMessage[] {
    return this.slack.messages(channel).filter((message) => message.thread_ts === threadTs);
  }

  /** Waits for `count` finished replies: a progress message counts once it has become an answer. */
  finishedReplies(channel: string, threadTs: string, count = 1, timeoutMs = 30_000): Promise<StoredMessage[]> {
    return waitFor(
      () => {
        const replies = this.repliesIn(channel, threadTs);
        return replies.length >= count && !replies.some(isProgress) ? replies : undefined;
      },
      { timeoutMs, message: `${count} finished repl${count === 1 ? 'y' : 'ies'} in thread ${threadTs}` },
    );
  }

  /** The fake CLI's runs whose prompt holds `text`, oldest first. */
  runsFor(text: string): CliRecord[] {
    return cliRecords(this.workspace).filter((record) => (record.stdin ?? '').includes(text));
  }
}
