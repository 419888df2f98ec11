// Every workflow the orchestrator worker registers (the worker bundles this file).
export { customerWorkflow } from './customer';
export { messageStatusWorkflow } from './message-status';
export { followUpWorkflow } from './follow-up';
export { conversationEventWorkflow } from './conversation-event';
export {
  addConversationParticipantWorkflow,
  closeConversationWorkflow,
  createConversationWorkflow,
  removeConversationParticipantWorkflow,
} from './conversation-operations';
export { deliverWebhookWorkflow } from './deliver-webhook';
// Users' workflows, bound to events in configuration.
export * from './custom';
export { callWorkflow } from './call';
export { placeOutboundCallWorkflow } from './outbound-call';
