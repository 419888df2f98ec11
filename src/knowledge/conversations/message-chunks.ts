/**
 * A text message as chunks: its body (with the message before it as context, as for call turns),
 * each voice note's transcript, and each image's description (the model's caption). Pure, with
 * stable ids: indexing the same message again replaces its chunks.
 */
import type { MediaDigest } from '../../media/digest';
import type { HistoryMessage } from '../../memory/message-store';
import type { Channel } from '../../messaging/addresses';
import type { Chunk } from '../types';
import { CONTEXT_CHARS, clip, dayOf, partyName, splitText } from './chunk-text';

/** What indexing needs of a message: the stored message, and its attachments' digests by index. */
export type MessageForIndexing = Pick<
  HistoryMessage,
  'id' | 'customerId' | 'accountSid' | 'direction' | 'channel' | 'from' | 'to' | 'body' | 'twilioSid' | 'createdAt'
> & { digests?: ReadonlyMap<number, MediaDigest> };

/** The message just before, for context. */
export type PreviousMessage = Pick<HistoryMessage, 'direction' | 'body'>;

const partSuffix = (part: number) => (part > 0 ? `#${part + 1}` : '');

/** `message:<id>`; the later parts of a long body add `#<n>`. */
function messageChunkId(messageId: string, part = 0): string {
  return `message:${messageId}${partSuffix(part)}`;
}

/** `voice_note:<id>:<index>` or `image:<id>:<index>`; the later parts of a long transcript add `#<n>`. */
function mediaChunkId(kind: 'voice_note' | 'image', messageId: string, index: number, part = 0): string {
  return `${kind}:${messageId}:${index}${partSuffix(part)}`;
}

const CHANNEL_NAMES: Record<Exclude<Channel, 'voice'>, string> = {
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  conversations: 'Conversation',
};

/** "SMS with +14155550100 on 2026-11-02": the customer's side is `from` inbound, `to` outbound. */
function messageTitle(
  message: Pick<MessageForIndexing, 'channel' | 'direction' | 'from' | 'to' | 'createdAt'>,
): string {
  const channel = message.channel === 'voice' ? 'Call' : CHANNEL_NAMES[message.channel];
  const customer = message.direction === 'inbound' ? message.from : message.to;
  return `${channel} with ${partyName(customer)} on ${dayOf(message.createdAt)}`;
}

const author = (direction: HistoryMessage['direction']) => (direction === 'inbound' ? 'Customer' : 'Agent');

/**
 * The chunks of one message. Voice-channel entries are call turns (the call's own chunks cover them)
 * and yield none; an image without a caption yet yields none (it is indexed once captioned).
 */
export function messageChunks(message: MessageForIndexing, previous?: PreviousMessage): Chunk[] {
  if (message.channel === 'voice') return [];
  const at = message.createdAt.toISOString();
  const base = {
    accountSid: message.accountSid,
    customerId: message.customerId,
    channel: message.channel,
    title: messageTitle(message),
    at,
  };
  const chunks: Chunk[] = [];
  const context = previous?.body.trim()
    ? `\n(After the ${author(previous.direction).toLowerCase()} wrote: "${clip(previous.body, CONTEXT_CHARS)}")`
    : '';
  for (const [part, text] of splitText(message.body).entries())
    chunks.push({
      ...base,
      id: messageChunkId(message.id, part),
      text: `${author(message.direction)}: ${text}${context}`,
      source: {
        kind: 'message',
        messageId: message.id,
        ...(message.twilioSid ? { twilioSid: message.twilioSid } : {}),
        direction: message.direction,
        at,
      },
    });
  // The message's own words give a voice note or an image its context ("here's the damage").
  const caption = message.body.trim() ? `\n(Sent with the message: "${clip(message.body, CONTEXT_CHARS)}")` : '';
  for (const [index, digest] of [...(message.digests ?? new Map<number, MediaDigest>())].sort(([a], [b]) => a - b)) {
    if (digest.kind === 'audio')
      for (const [part, text] of splitText(digest.transcript).entries())
        chunks.push({
          ...base,
          id: mediaChunkId('voice_note', message.id, index, part),
          text: `Voice note from the ${author(message.direction).toLowerCase()}: ${text}${caption}`,
          source: { kind: 'voice_note', messageId: message.id, mediaIndex: index, at },
        });
    if (digest.kind === 'image' && digest.caption?.trim())
      chunks.push({
        ...base,
        id: mediaChunkId('image', message.id, index),
        text: `Image sent by the ${author(message.direction).toLowerCase()}: ${digest.caption.trim()}${caption}`,
        source: { kind: 'image', messageId: message.id, mediaIndex: index, at },
      });
  }
  return chunks;
}
