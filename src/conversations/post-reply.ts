import type twilio from 'twilio';
import { ownMessageAttributes } from './own-messages';

export interface ConversationReply {
  conversationSid: string;
  /** The agent's identity (configuration `conversations.agentIdentity`). */
  author: string;
  body: string;
  idempotencyKey: string;
}

/**
 * Posts the agent's reply into a Conversation. Deliberately without X-Twilio-Webhook-Enabled:
 * Twilio then fires no onMessageAdded for our own post, so the reply cannot loop back as input.
 * The Attributes marker catches it anyway should webhooks be enabled for it some other way.
 */
export async function postConversationReply(client: twilio.Twilio, reply: ConversationReply): Promise<{ sid: string }> {
  const posted = await client.conversations.v1.conversations(reply.conversationSid).messages.create({
    author: reply.author,
    body: reply.body,
    attributes: ownMessageAttributes(reply.idempotencyKey),
  });
  return { sid: posted.sid };
}
