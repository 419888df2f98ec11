export { OpenAiEmulator } from './emulator';
export { conversationText, lastUserText, textReply, toolCallReply, toolResults } from './responders';
export type * from './types';
