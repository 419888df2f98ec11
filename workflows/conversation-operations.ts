import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  AddParticipantInput,
  CloseConversationInput,
  ConversationSummary,
  CreateConversationInput,
  ParticipantSummary,
  RemoveParticipantInput,
} from '../src/conversations/operations';

/**
 * The operator's Conversations operations, one small workflow each so every change is durable,
 * retried (Twilio 429/5xx) and visible in the Temporal UI. Retries are bounded: an operator is
 * waiting, and a change that cannot be made within minutes should fail visibly.
 */
const operations = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function createConversationWorkflow(input: CreateConversationInput): Promise<ConversationSummary> {
  return operations.createConversation(input);
}

export async function addConversationParticipantWorkflow(input: AddParticipantInput): Promise<ParticipantSummary> {
  return operations.addConversationParticipant(input);
}

export async function removeConversationParticipantWorkflow(
  input: RemoveParticipantInput,
): Promise<{ conversationSid: string; participantSid: string; removed: true }> {
  return operations.removeConversationParticipant(input);
}

export async function closeConversationWorkflow(input: CloseConversationInput): Promise<ConversationSummary> {
  return operations.closeConversation(input);
}
