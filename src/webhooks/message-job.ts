import type { RunClaudeJobData } from '../queue/queue.types';
import type { DeliveryIds } from './admission.repository';
import type { UserMessage } from './event-router';

/** What admission claims and counts for one delivery of a message. */
export function deliveryIdsOf(botId: string, eventId: string, message: UserMessage): DeliveryIds {
  return { botId, eventId, teamId: message.teamId, channel: message.channel, ts: message.ts, user: message.user };
}

/** The job a message asks for: ids and its text, nothing the worker can look up itself. */
export function jobDataOf(botId: string, eventId: string, message: UserMessage): RunClaudeJobData {
  return {
    botId,
    teamId: message.teamId,
    channel: message.channel,
    threadTs: message.threadTs,
    messageTs: message.ts,
    user: message.user,
    text: message.text,
    eventId,
    ...(message.files.length > 0 ? { files: message.files } : {}),
  };
}
