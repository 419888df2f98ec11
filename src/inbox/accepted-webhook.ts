import type { ConversationEvent } from '../conversations/events';
import type { InboundMessage } from '../messaging/inbound';
import type { MessageStatusCallback } from '../messaging/status-callback';
import type { CallWebhook, RecordingEvent } from '../voice/webhooks';

/**
 * A Twilio webhook the gateway has parsed and must make durable before acknowledging it: handed to
 * Temporal at once, or kept in the inbox until the relay can hand it over. Only what the handover
 * needs is kept; the customer is resolved at handover (the inbox works without the identities).
 */
export type AcceptedWebhook =
  | { kind: 'inbound-message'; message: InboundMessage }
  | { kind: 'message-status'; callback: MessageStatusCallback }
  | { kind: 'conversation-event'; event: ConversationEvent }
  | { kind: 'call-status'; call: CallWebhook }
  | { kind: 'recording'; event: RecordingEvent };

export interface InboxKeys {
  /** From Twilio's ids: a redelivered webhook has the same id, so the inbox stores it once. */
  id: string;
  /** Webhooks with one order key are handed to Temporal in the order they were accepted. */
  orderKey: string;
}

/** The inbox id and the ordering scope of a webhook: a customer's address, a call, a message, a conversation. */
export function inboxKeys(webhook: AcceptedWebhook): InboxKeys {
  switch (webhook.kind) {
    case 'inbound-message': {
      const { message } = webhook;
      return { id: `message:${message.messageSid}`, orderKey: `from:${message.accountSid}:${message.from}` };
    }
    case 'message-status': {
      const { callback } = webhook;
      return {
        id: `message-status:${callback.messageSid}:${callback.status}`,
        orderKey: `message:${callback.messageSid}`,
      };
    }
    case 'conversation-event':
      return {
        id: `conversation-event:${webhook.event.id}`,
        orderKey: `conversation:${webhook.event.conversationSid}`,
      };
    case 'call-status': {
      const { call } = webhook;
      return {
        id: `call-status:${call.callSid}:${call.status}:${call.sequenceNumber ?? ''}`,
        orderKey: `call:${call.callSid}`,
      };
    }
    case 'recording':
      return { id: `recording:${webhook.event.id}`, orderKey: `call:${webhook.event.data.callSid}` };
  }
}
