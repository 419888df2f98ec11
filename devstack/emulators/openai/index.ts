export { OpenAiEmulator } from './emulator';
export { textReply, toolCallReply, toolResults } from './responders';
export type * from './types';
