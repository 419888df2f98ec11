export { AnthropicEmulator } from './emulator';
export { conversationText, lastUserText, rulesResponder, textReply, toolUseReply } from './responders';
export { knowledgeResponder, passagesIn } from './knowledge-responder';
export type * from './types';
