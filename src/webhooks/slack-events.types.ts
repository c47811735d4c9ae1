import type { AuthorOrigin } from '../bots/bot-audience';
import type { SlackEventFile } from '../slack/slack-files.service';

/**
 * The parts of Slack's Events API payloads that routing reads; everything else passes through untouched.
 * In a channel shared with other organisations, `user_team`, `source_team` and `enterprise_id` say
 * where the author comes from (AuthorOrigin).
 */
export interface SlackMessageEvent extends AuthorOrigin {
  readonly type: string;
  readonly subtype?: string;
  readonly hidden?: boolean;
  readonly user?: string;
  readonly bot_id?: string;
  readonly app_id?: string;
  readonly bot_profile?: { readonly app_id?: string };
  readonly text?: string;
  readonly ts?: string;
  readonly thread_ts?: string;
  readonly channel?: string;
  readonly channel_type?: string;
  /** The new version of an edited message (`message_changed`). */
  readonly message?: SlackMessageEvent;
  /** `reaction_added`: the emoji name and the message it was put on. */
  readonly reaction?: string;
  readonly item?: { readonly type: string; readonly channel?: string; readonly ts?: string };
  readonly files?: readonly SlackEventFile[];
}

export type SlackEnvelope =
  | { readonly type: 'url_verification'; readonly challenge: string }
  | { readonly type: 'app_rate_limited'; readonly team_id?: string; readonly minute_rate_limited?: number }
  | EventCallback;

export interface EventCallback {
  readonly type: 'event_callback';
  readonly team_id: string;
  readonly api_app_id?: string;
  readonly event_id: string;
  readonly event: SlackMessageEvent;
}
