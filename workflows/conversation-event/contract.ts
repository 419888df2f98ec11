/** The Conversations post-event workflow's contract: one run per event id. */
import type { ConversationEvent } from '../../src/conversations/events';

export const CONVERSATION_EVENT_WORKFLOW = 'conversationEventWorkflow';

export type ConversationEventWorkflow = (event: ConversationEvent) => Promise<{ recorded: boolean }>;

/** `conversation-event-<event id>` (the id derives from Twilio's sids), so a redelivery is a no-op. */
export function conversationEventWorkflowId(event: Pick<ConversationEvent, 'id'>): string {
  return `conversation-event-${event.id}`;
}
