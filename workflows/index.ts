// Every workflow the orchestrator worker registers (the worker bundles this file).
export { customerWorkflow } from './customer/workflow';
export { messageStatusWorkflow } from './message-status/workflow';
export { followUpWorkflow } from './follow-up/workflow';
export { conversationEventWorkflow } from './conversation-event/workflow';
export {
  addConversationParticipantWorkflow,
  closeConversationWorkflow,
  createConversationWorkflow,
  removeConversationParticipantWorkflow,
} from './conversation-operations/workflow';
export { deliverWebhookWorkflow } from './deliver-webhook/workflow';
// Users' workflows, bound to events in configuration.
export * from './custom';
export { callWorkflow } from './call/workflow';
export { placeOutboundCallWorkflow } from './outbound-call/workflow';
export { forgetCustomerWorkflow } from './forget-customer/workflow';
export { recordingRetentionWorkflow } from './recording-retention/workflow';
export { ingestDocumentWorkflow } from './ingest-document/workflow';
export { deleteKnowledgeBaseWorkflow } from './delete-knowledge-base/workflow';
