import type { ToolSpec } from '../agent/chat-model';
import type { VoiceToolName } from './call-types';

/** Tools the voice agent may call; each runs durably in the call's workflow (an update). */
export const VOICE_TOOLS: Array<ToolSpec & { name: VoiceToolName }> = [
  {
    name: 'transfer_to_human',
    description:
      'Transfer the caller to a human colleague when they ask for a person or you cannot help. Tell them you are transferring them first.',
    inputSchema: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'why, in one sentence' } },
      required: ['reason'],
    },
  },
  {
    name: 'end_call',
    description: 'Hang up once the conversation is finished and you have said goodbye.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'send_sms',
    description:
      "Text the caller something they should have in writing (a link, an address, a reference number). The SMS goes to the caller's number.",
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'the exact text to send' } },
      required: ['message'],
    },
  },
  {
    name: 'send_verification_code',
    description:
      "Text a 6-digit code to the number on file, to confirm the caller is its owner before you discuss anything personal. Use it when the caller's identity is not confirmed and they ask about their account, orders or earlier conversations.",
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'check_verification_code',
    description: 'Check the code the caller read out. Never say the code back to them.',
    inputSchema: {
      type: 'object',
      properties: { code: { type: 'string', description: 'the 6 digits the caller said' } },
      required: ['code'],
    },
  },
];
