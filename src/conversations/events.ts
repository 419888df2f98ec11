/**
 * Twilio Conversations post-events we record durably, as plain JSON (they travel as workflow
 * arguments). Every event's `id` derives from Twilio's own ids, so a redelivered webhook maps to
 * the same id — the same workflow id, the same EventLog entry.
 */

export type ConversationState = 'initializing' | 'inactive' | 'active' | 'closed';
export const CONVERSATION_STATES: readonly ConversationState[] = ['initializing', 'inactive', 'active', 'closed'];

export type ParticipantChannel = 'chat' | 'sms' | 'whatsapp';

/** A participant as Twilio reports it: a chat identity, or a phone/WhatsApp binding. */
export interface ConversationParticipant {
  sid: string;
  identity?: string;
  address?: string;
  proxyAddress?: string;
  channel?: ParticipantChannel;
}

interface EventBase {
  /** `<type>:<Twilio ids>`; also the EventLog id. */
  id: string;
  accountSid: string;
  conversationSid: string;
  /** Twilio's timestamp for the change when it sent one, else when we received it (ISO 8601). */
  occurredAt: string;
  /** The webhook's EventType, e.g. onParticipantAdded. */
  twilioEventType: string;
  /** Twilio's `Source` (API, SDK, SMS, WHATSAPP...), when sent. */
  source?: string;
}

interface ConversationDetails {
  friendlyName?: string;
  uniqueName?: string;
  state?: ConversationState;
}

interface ConversationChangedEvent extends EventBase {
  type: 'conversation.created' | 'conversation.updated' | 'conversation.removed';
  conversation: ConversationDetails;
}

interface ConversationStateChangedEvent extends EventBase {
  /** `conversation.closed` when the new state is closed (terminal on Twilio). */
  type: 'conversation.state_changed' | 'conversation.closed';
  from: ConversationState;
  to: ConversationState;
  reason?: string;
}

interface ParticipantChangedEvent extends EventBase {
  type: 'participant.added' | 'participant.removed';
  participant: ConversationParticipant;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';

export interface DeliveryUpdatedEvent extends EventBase {
  /** `failed` and `undelivered` both become `message.failed` (as for SMS status callbacks). */
  type: 'message.sent' | 'message.delivered' | 'message.read' | 'message.failed';
  delivery: {
    messageSid: string;
    receiptSid: string;
    status: DeliveryStatus;
    errorCode?: number;
    channelMessageSid?: string;
    participantSid?: string;
  };
}

export type ConversationEvent =
  ConversationChangedEvent | ConversationStateChangedEvent | ParticipantChangedEvent | DeliveryUpdatedEvent;

export function deliveryEventType(status: DeliveryStatus): DeliveryUpdatedEvent['type'] {
  return status === 'failed' || status === 'undelivered' ? 'message.failed' : `message.${status}`;
}

/** Per-message receipts are numerous; the conversation record keeps only the ones that need attention. */
export function belongsInConversationRecord(event: ConversationEvent): boolean {
  return event.type !== 'message.sent' && event.type !== 'message.delivered' && event.type !== 'message.read';
}

/** The event's fields for the EventLog's `data`, flat and readable. */
export function eventData(event: ConversationEvent): Record<string, unknown> {
  const base = {
    conversationSid: event.conversationSid,
    twilioEventType: event.twilioEventType,
    ...(event.source ? { source: event.source } : {}),
  };
  switch (event.type) {
    case 'conversation.created':
    case 'conversation.updated':
    case 'conversation.removed':
      return { ...base, ...event.conversation };
    case 'conversation.state_changed':
    case 'conversation.closed':
      return { ...base, from: event.from, to: event.to, ...(event.reason ? { reason: event.reason } : {}) };
    case 'participant.added':
    case 'participant.removed':
      return { ...base, participantSid: event.participant.sid, ...withoutSid(event.participant) };
    case 'message.sent':
    case 'message.delivered':
    case 'message.read':
    case 'message.failed':
      return { ...base, ...event.delivery };
  }
}

function withoutSid({ sid: _sid, ...rest }: ConversationParticipant): Omit<ConversationParticipant, 'sid'> {
  return rest;
}
