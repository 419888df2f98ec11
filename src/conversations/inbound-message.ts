import { IDENTITY_PREFIX } from '../messaging/addresses';
import type { InboundMessage, MediaRef } from '../messaging/inbound';
import { isOwnMessage } from './own-messages';
import type { ConversationMedia, ConversationMessageAdded } from './webhook';

const PHONE = /^\+[1-9]\d{6,14}$/;
const WHATSAPP = /^whatsapp:\+[1-9]\d{6,14}$/;
/** Twilio's default author for REST-created messages: a backend, not a customer. */
const SYSTEM_AUTHOR = 'system';

/**
 * The customer's address for a Conversations author: an SMS/WhatsApp participant's author is
 * its phone address (so the person is the same customer as over SMS); a chat participant's is
 * its identity, written `identity:<name>`.
 */
function authorAddress(author: string): string {
  return PHONE.test(author) || WHATSAPP.test(author) ? author : `${IDENTITY_PREFIX}${author}`;
}

/**
 * Media Content Service URL of an attachment; fetched with the account's credentials like any
 * Twilio media URL (it redirects to a short-lived download link).
 */
function conversationMediaUrl(chatServiceSid: string, mediaSid: string): string {
  return `https://mcs.us1.twilio.com/v1/Services/${chatServiceSid}/Media/${mediaSid}/Content`;
}

function mediaRefs(media: ConversationMedia[], chatServiceSid: string | undefined): MediaRef[] {
  // Without the chat service the URL cannot be built; the text part is still answered.
  if (!chatServiceSid) return [];
  return media.map((m) => ({ url: conversationMediaUrl(chatServiceSid, m.sid), contentType: m.contentType }));
}

export interface InboundOptions {
  /** Our own author name: its messages are replies we posted. */
  agentIdentity: string;
  /** Other non-customer authors (e.g. the human an escalation brought in). */
  staffIdentities: string[];
  now: Date;
}

export type InboundDecision = { inbound: InboundMessage; droppedMedia: number } | { ignored: string };

/** Turns an onMessageAdded into the customer workflow's signal, or says why it must not be answered. */
export function toInboundMessage(message: ConversationMessageAdded, options: InboundOptions): InboundDecision {
  if (message.author === options.agentIdentity) return { ignored: 'authored by the agent' };
  if (isOwnMessage(message.attributes)) return { ignored: 'posted by our own REST call' };
  if (message.author === SYSTEM_AUTHOR) return { ignored: 'system message' };
  if (options.staffIdentities.includes(message.author)) return { ignored: 'authored by staff' };
  const media = mediaRefs(message.media, message.chatServiceSid);
  if (!message.body.trim() && media.length === 0) return { ignored: 'nothing to answer (no body, no usable media)' };
  return {
    inbound: {
      messageSid: message.messageSid,
      accountSid: message.accountSid,
      channel: 'conversations',
      from: authorAddress(message.author),
      to: `${IDENTITY_PREFIX}${options.agentIdentity}`,
      body: message.body,
      media,
      conversationSid: message.conversationSid,
      ...(message.chatServiceSid ? { chatServiceSid: message.chatServiceSid } : {}),
      receivedAt: options.now.toISOString(),
    },
    droppedMedia: message.media.length - media.length,
  };
}
