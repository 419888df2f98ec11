import type twilio from 'twilio';
import { ownMessageAttributes, ownMessageKey } from './own-messages';

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

/** The newest posts looked through for an earlier attempt's reply. */
const RECENT_POSTS = 50;

/**
 * A reply an earlier attempt posted whose answer was lost: Conversations' message create takes no
 * idempotency key (only `X-Twilio-Webhook-Enabled`), so the newest posts are listed and the one
 * whose attributes carry this key is it.
 */
export async function findConversationReply(
  client: twilio.Twilio,
  conversationSid: string,
  idempotencyKey: string,
): Promise<{ sid: string; status: string } | undefined> {
  const recent = await client.conversations.v1
    .conversations(conversationSid)
    .messages.list({ order: 'desc', limit: RECENT_POSTS });
  const found = recent.find((m) => ownMessageKey(m.attributes) === idempotencyKey);
  return found ? { sid: found.sid, status: 'accepted' } : undefined;
}
