export { AnthropicEmulator } from './emulator';
export { conversationText, lastUserText, rulesResponder, textReply, toolUseReply } from './responders';
export type * from './types';
