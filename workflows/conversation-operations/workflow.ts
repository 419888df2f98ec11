import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type {
  AddParticipantInput,
  CloseConversationInput,
  ConversationSummary,
  CreateConversationInput,
  ParticipantSummary,
  RemoveParticipantInput,
} from '../../src/conversations/operations';
import { OPERATOR_WAITING } from '../../src/temporal/retry-policies';
import type {
  AddConversationParticipantWorkflow,
  CloseConversationWorkflow,
  CreateConversationWorkflow,
  RemoveConversationParticipantWorkflow,
} from './contract';

/**
 * The operator's Conversations operations, one small workflow each so every change is durable,
 * retried (Twilio 429/5xx) and visible in the Temporal UI. Retries are bounded: an operator is
 * waiting, and a change that cannot be made within minutes should fail visibly.
 */
const operations = proxyActivities<Activities>(OPERATOR_WAITING);

export async function createConversationWorkflow(input: CreateConversationInput): Promise<ConversationSummary> {
  return operations.createConversation(input);
}
createConversationWorkflow satisfies CreateConversationWorkflow;

export async function addConversationParticipantWorkflow(input: AddParticipantInput): Promise<ParticipantSummary> {
  return operations.addConversationParticipant(input);
}
addConversationParticipantWorkflow satisfies AddConversationParticipantWorkflow;

export async function removeConversationParticipantWorkflow(
  input: RemoveParticipantInput,
): Promise<{ conversationSid: string; participantSid: string; removed: true }> {
  return operations.removeConversationParticipant(input);
}
removeConversationParticipantWorkflow satisfies RemoveConversationParticipantWorkflow;

export async function closeConversationWorkflow(input: CloseConversationInput): Promise<ConversationSummary> {
  return operations.closeConversation(input);
}
closeConversationWorkflow satisfies CloseConversationWorkflow;
