export { AnthropicEmulator } from './emulator';
export {
  contentText,
  conversationText,
  echoResponder,
  lastUserText,
  rulesResponder,
  textReply,
  toolUseReply,
  type ResponderRule,
} from './responders';
export { estimateTokens, splitJsonIntoFragments, splitTextIntoTokens } from './tokenize';
export type * from './types';
