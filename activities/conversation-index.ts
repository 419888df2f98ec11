import { ApplicationFailure, log } from '@temporalio/activity';
import type { ChatModel } from '../src/agent/chat-model';
import type { CustomerRecords } from '../src/customers/customer-records';
import { callTranscriptChunks } from '../src/knowledge/conversations/call-chunks';
import { messageChunks, type MessageForIndexing } from '../src/knowledge/conversations/message-chunks';
import type { Chunk, ChunkIndex } from '../src/knowledge/types';
import type { MediaDigest } from '../src/media/digest';
import { captionImage } from '../src/media/image-caption';
import type { MessageStore } from '../src/memory/message-store';
import type { CallStore } from '../src/voice/call-store';

/** What indexing conversations needs of the knowledge service (src/knowledge/knowledge.ts). */
interface ConversationKnowledge {
  /** Embeds (when a provider is configured) and upserts by id: the same chunks twice change nothing. */
  indexChunks(chunks: Chunk[]): Promise<void>;
  index: Pick<ChunkIndex, 'remove'>;
}

export interface ConversationIndexDeps {
  knowledge: ConversationKnowledge;
  calls: CallStore;
  messages: MessageStore;
  customerRecords: CustomerRecords;
  /** The default agent's model: it describes inbound images (none configured: images are not indexed). */
  chatModel: () => ChatModel | undefined;
}

/**
 * Conversations into the knowledge index, as durable steps of the call and customer workflows.
 * Each reads what it indexes from the stores (the source of truth), so a retry or a replay indexes
 * the same chunks under the same ids, and a customer forgotten meanwhile leaves nothing to index.
 */
export function createConversationIndexActivities(deps: ConversationIndexDeps) {
  /** The image digests of a message that have no caption yet get one (asked once, stored with the digest). */
  async function withCaptions(
    messageId: string,
    stored: ReadonlyMap<number, MediaDigest>,
  ): Promise<ReadonlyMap<number, MediaDigest>> {
    const digests = new Map(stored);
    const uncaptioned = [...digests].filter(([, d]) => d.kind === 'image' && !d.caption).map(([i]) => i);
    if (uncaptioned.length === 0) return digests;
    const model = deps.chatModel();
    if (!model) {
      log.warn('no model configured: inbound images are not described nor indexed', { messageId });
      return digests;
    }
    const withBytes = await deps.messages.media.digestsOf(messageId, { withImageBytes: true });
    for (const index of uncaptioned) {
      const image = withBytes.get(index);
      // The bytes are gone (the customer was forgotten meanwhile): nothing to describe.
      if (image?.kind !== 'image' || image.base64 === undefined) continue;
      const caption = await captionImage(model, { mediaType: image.mediaType, base64: image.base64 });
      const stored = await deps.messages.media.saveCaption(messageId, index, caption);
      const digest = digests.get(index)!;
      if (stored && digest.kind === 'image') digests.set(index, { ...digest, caption: stored });
    }
    return digests;
  }

  return {
    /** The call's transcript (its record's turns: what the caller said, what they heard of the agent). */
    async indexCallTranscript(input: { callSid: string }): Promise<{ chunks: number }> {
      const call = await deps.calls.get(input.callSid);
      if (!call) return { chunks: 0 };
      const chunks = callTranscriptChunks(call);
      if (chunks.length > 0) await deps.knowledge.indexChunks(chunks);
      return { chunks: chunks.length };
    },

    /**
     * One exchange of a conversation (the inbound message, then the reply), in order: bodies, voice
     * notes' transcripts, images' descriptions. Ids not recorded (a reply never sent) are skipped. The
     * text is indexed before any image is described, so a failing model delays only the images.
     */
    async indexMessages(input: { messageIds: string[] }): Promise<{ chunks: number }> {
      if (input.messageIds.length === 0)
        throw ApplicationFailure.nonRetryable('indexMessages needs message ids', 'BadInput');
      const found = await Promise.all(input.messageIds.map((id) => deps.messages.get(id)));
      const messages: MessageForIndexing[] = [];
      for (const message of found) {
        if (!message) continue;
        const digests = message.media?.length
          ? await deps.messages.media.digestsOf(message.id, { withImageBytes: false })
          : undefined;
        messages.push({ ...message, ...(digests?.size ? { digests } : {}) });
      }
      const chunksOf = (list: MessageForIndexing[]) => list.flatMap((m, i) => messageChunks(m, list[i - 1]));
      const text = chunksOf(messages);
      if (text.length > 0) await deps.knowledge.indexChunks(text);
      const described: MessageForIndexing[] = [];
      for (const message of messages)
        described.push(
          message.digests ? { ...message, digests: await withCaptions(message.id, message.digests) } : message,
        );
      const known = new Set(text.map((c) => c.id));
      const images = chunksOf(described).filter((c) => !known.has(c.id));
      if (images.length > 0) await deps.knowledge.indexChunks(images);
      return { chunks: text.length + images.length };
    },

    /** Removes every chunk of the customer's history, in each account their records name. Idempotent. */
    async forgetCustomerKnowledge(input: { customerId: string }): Promise<{ chunks: number }> {
      let removed = 0;
      for (const accountSid of await deps.customerRecords.accountsOf(input.customerId))
        removed += await deps.knowledge.index.remove({ accountSid, customerId: input.customerId });
      return { chunks: removed };
    },
  };
}
