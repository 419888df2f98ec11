/**
 * The operator's Conversations operations: four small workflows, one per kind of change. Their
 * ids name the operation (see src/gateway/conversation-api-routes.ts), so a repeated request joins it.
 */
import type {
  AddParticipantInput,
  CloseConversationInput,
  ConversationSummary,
  CreateConversationInput,
  ParticipantSummary,
  RemoveParticipantInput,
} from '../../src/conversations/operations';

export const CREATE_CONVERSATION_WORKFLOW = 'createConversationWorkflow';
export const ADD_CONVERSATION_PARTICIPANT_WORKFLOW = 'addConversationParticipantWorkflow';
export const REMOVE_CONVERSATION_PARTICIPANT_WORKFLOW = 'removeConversationParticipantWorkflow';
export const CLOSE_CONVERSATION_WORKFLOW = 'closeConversationWorkflow';

export type CreateConversationWorkflow = (input: CreateConversationInput) => Promise<ConversationSummary>;
export type AddConversationParticipantWorkflow = (input: AddParticipantInput) => Promise<ParticipantSummary>;
export type RemoveConversationParticipantWorkflow = (
  input: RemoveParticipantInput,
) => Promise<{ conversationSid: string; participantSid: string; removed: true }>;
export type CloseConversationWorkflow = (input: CloseConversationInput) => Promise<ConversationSummary>;

/** `conversation-create-<idempotency key>` */
export function createConversationWorkflowId(operationKey: string): string {
  return `conversation-create-${operationKey}`;
}

/** Not named after the participant: the same person may be added again after a removal. */
export function addParticipantWorkflowId(conversationSid: string, operationKey: string): string {
  return `conversation-${conversationSid}-add-${operationKey}`;
}

/** A participant sid is removed once: the natural id makes a repeated request harmless. */
export function removeParticipantWorkflowId(conversationSid: string, participantSid: string): string {
  return `conversation-${conversationSid}-remove-${participantSid}`;
}

/** Closed is terminal on Twilio: one close per conversation. */
export function closeConversationWorkflowId(conversationSid: string): string {
  return `conversation-${conversationSid}-close`;
}
