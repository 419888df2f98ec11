import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ConversationEvent } from '../../src/conversations/events';
import { EVENT_STEP } from '../../src/temporal/retry-policies';
import type { ConversationEventWorkflow } from './contract';

const { recordConversationEvent } = proxyActivities<Activities>(EVENT_STEP);

/**
 * One per Conversations post-event (`conversation-event-<event id>`, the id derived from Twilio's
 * sids), started with REJECT_DUPLICATE: Twilio's redelivery of the webhook is a no-op.
 */
export async function conversationEventWorkflow(event: ConversationEvent): Promise<{ recorded: boolean }> {
  return recordConversationEvent(event);
}
conversationEventWorkflow satisfies ConversationEventWorkflow;
