import type { InboundMessage } from '../messaging/inbound';
import type { BelugaEvent } from './catalog';
import { makeEvent } from './make-event';

/** `message.received` for an inbound SMS/MMS/WhatsApp/Conversations message; id from the MessageSid. */
export function messageReceivedEvent(message: InboundMessage, customerId: string): BelugaEvent<'message.received'> {
  return makeEvent('message.received', {
    id: `message.received:${message.messageSid}`,
    occurredAt: message.receivedAt,
    accountSid: message.accountSid,
    customerId,
    data: {
      messageSid: message.messageSid,
      channel: message.conversationSid
        ? 'conversations'
        : message.media.length > 0 && message.channel === 'sms'
          ? 'mms'
          : message.channel === 'whatsapp'
            ? 'whatsapp'
            : 'sms',
      from: message.from,
      to: message.to,
      body: message.body,
      mediaCount: message.media.length,
      ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
    },
  });
}
