import type { ConversationParticipant, ConversationState } from './events';

/** Inputs and results of the operator's Conversations operations (workflow/activity payloads: plain JSON). */

export interface CreateConversationInput {
  accountSid: string;
  friendlyName: string;
  uniqueName?: string;
}

export interface ConversationSummary {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  state: ConversationState;
}

/** A chat participant by identity, or an SMS/WhatsApp participant by its address and our number. */
export type ParticipantTarget = { identity: string } | { address: string; proxyAddress: string };

export type AddParticipantInput = { accountSid: string; conversationSid: string } & ParticipantTarget;

export interface RemoveParticipantInput {
  accountSid: string;
  conversationSid: string;
  participantSid: string;
}

export interface CloseConversationInput {
  accountSid: string;
  conversationSid: string;
}

export interface ParticipantSummary extends ConversationParticipant {
  conversationSid: string;
}
