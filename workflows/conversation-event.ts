import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ConversationEvent } from '../src/conversations/events';

const { recordConversationEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One per Conversations post-event (`conversation-event-<event id>`, the id derived from Twilio's
 * sids), started with REJECT_DUPLICATE: Twilio's redelivery of the webhook is a no-op.
 */
export async function conversationEventWorkflow(event: ConversationEvent): Promise<{ recorded: boolean }> {
  return recordConversationEvent(event);
}

export function conversationEventWorkflowId(event: Pick<ConversationEvent, 'id'>): string {
  return `conversation-event-${event.id}`;
}
