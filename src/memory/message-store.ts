import type { Collection, Db } from 'mongodb';
import type { Channel } from '../messaging/addresses';
import type { Citation } from '../knowledge/citations';
import type { MediaDigest } from '../media/digest';
import { MediaStore } from '../media/media-store';
import type { MediaRef } from '../messaging/inbound';
import { isDuplicateKey } from '../storage/duplicate-key';
import { packText, unpackText, type StoredText } from './compression';

type Direction = 'inbound' | 'outbound';

/** One message in a customer's history, as the agent and the operator API see it. */
export interface HistoryMessage {
  id: string;
  customerId: string;
  accountSid: string;
  direction: Direction;
  channel: Channel;
  from: string;
  to: string;
  body: string;
  media: MediaRef[];
  /**
   * What the agent could make of each attachment digested so far (stored apart, see media-store.ts);
   * images carry their bytes only in the newest messages that have any ({@link IMAGE_MESSAGES_WITH_BYTES}).
   */
  mediaDigests?: MediaDigest[];
  /** Twilio's sid for outbound messages once sent. */
  twilioSid?: string;
  status: string;
  createdAt: Date;
  /** Position in the conversation (see MessageDoc.seq). */
  seq: Date;
  /** The agent that wrote or said it (outbound messages and agent turns). */
  agentId?: string;
  /** Outbound replies: the knowledge chunks the reply used (the model cited them). */
  citations?: Citation[];
  /** Set when a person wrote it (an operator replying as the business); absent: the agent or the customer. */
  humanAuthor?: HumanAuthor;
  /** Inbound: the Twilio Conversation it was written in. */
  conversationSid?: string;
}

/** The operator who wrote an outbound message as the business (human takeover). */
export interface HumanAuthor {
  operatorId: string;
  operatorName: string;
}

interface MessageDoc {
  _id: string;
  customerId: string;
  direction: Direction;
  channel: Channel;
  from: string;
  to: string;
  body: StoredText;
  media: MediaRef[];
  /** Written by earlier releases, inside the document; new digests live in the media store. */
  mediaDigests?: MediaDigest[];
  twilioSid?: string;
  status: string;
  accountSid: string;
  createdAt: Date;
  /**
   * When the message entered the conversation as the agent saw it. Inbound messages are recorded
   * when the customer workflow takes them up, so a message that arrived while a reply was being
   * written comes after that reply — history reads in the order the conversation happened.
   */
  seq: Date;
  updatedAt: Date;
  agentId?: string;
  citations?: Citation[];
  humanAuthor?: HumanAuthor;
  conversationSid?: string;
}

/** What a caller records; the store fills in `seq`, digests and the Twilio sid later. */
export type NewMessage = Pick<
  HistoryMessage,
  'id' | 'customerId' | 'accountSid' | 'direction' | 'channel' | 'from' | 'to' | 'body' | 'status'
> & {
  media?: MediaRef[];
  createdAt?: Date;
  agentId?: string;
  citations?: Citation[];
  humanAuthor?: HumanAuthor;
  conversationSid?: string;
};

/**
 * Images cost tokens, so the agent's prompt shows only the newest few (activities/messaging.ts);
 * only those have their bytes read back from GridFS.
 */
const IMAGE_MESSAGES_WITH_BYTES = 2;

/** Messages the customer list looks through per page (newest first) to find the customers active most recently. */
const ACTIVITY_SCAN = 20_000;

/** Every inbound and outbound message per customer; large bodies zstd-compressed. */
export class MessageStore {
  private readonly messages: Collection<MessageDoc>;
  /** Attachments' digests and image bytes, outside the message documents. */
  readonly media: MediaStore;

  constructor(db: Db) {
    this.messages = db.collection<MessageDoc>('messages');
    this.media = new MediaStore(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.media.ensureIndexes();
    await this.messages.createIndex({ customerId: 1, seq: -1 });
    await this.messages.createIndex({ twilioSid: 1 }, { sparse: true });
    await this.messages.createIndex({ accountSid: 1, from: 1, createdAt: -1 });
  }

  /** Records a message once; a second call with the same id changes nothing. Returns whether it was new. */
  async recordOnce(message: NewMessage): Promise<boolean> {
    const now = new Date();
    const write = this.messages.updateOne(
      { _id: message.id },
      {
        $setOnInsert: {
          customerId: message.customerId,
          accountSid: message.accountSid,
          direction: message.direction,
          channel: message.channel,
          from: message.from,
          to: message.to,
          body: await packText(message.body),
          media: message.media ?? [],
          status: message.status,
          createdAt: message.createdAt ?? now,
          seq: now,
          updatedAt: now,
          ...(message.agentId ? { agentId: message.agentId } : {}),
          ...(message.citations?.length ? { citations: message.citations } : {}),
          ...(message.humanAuthor ? { humanAuthor: message.humanAuthor } : {}),
          ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
        },
      },
      { upsert: true },
    );
    try {
      return (await write).upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The message without its media digests (see {@link MediaStore.digestsOf}). */
  async get(id: string): Promise<HistoryMessage | undefined> {
    const doc = await this.messages.findOne({ _id: id });
    return doc ? toHistory(doc) : undefined;
  }

  /** Whether a message of ours already carries this Twilio sid (a send found at Twilio belongs to one message only). */
  /** The id of the message recorded with Twilio's sid, if any. */
  async withTwilioSid(twilioSid: string): Promise<string | undefined> {
    return (await this.messages.findOne({ twilioSid }, { projection: { _id: 1 } }))?._id;
  }

  /**
   * Binds Twilio's sid to the outbound message recorded under `id` (its status callback named both),
   * unless it already has one: the send's own answer may have been lost. Whether it bound.
   */
  async bindTwilioSid(id: string, accountSid: string, twilioSid: string): Promise<boolean> {
    const bound = await this.messages.updateOne(
      { _id: id, accountSid, direction: 'outbound', twilioSid: { $exists: false } },
      { $set: { twilioSid, updatedAt: new Date() } },
    );
    return bound.modifiedCount === 1;
  }

  async markSent(id: string, twilioSid: string, status: string): Promise<void> {
    await this.messages.updateOne({ _id: id }, { $set: { twilioSid, status, updatedAt: new Date() } });
  }

  /** The newest `limit` messages of a customer recorded after `after` (if given), oldest first. */
  async recent(customerId: string, limit: number, after?: Date): Promise<HistoryMessage[]> {
    const filter = after ? { customerId, seq: { $gt: after } } : { customerId };
    const docs = await this.messages.find(filter).sort({ seq: -1, _id: -1 }).limit(limit).toArray();
    return Promise.all(docs.reverse().map(toHistory));
  }

  /** {@link recent} with what the agent made of the attachments: the history a reply is written from. */
  async recentWithMedia(customerId: string, limit: number, after?: Date): Promise<HistoryMessage[]> {
    return this.withDigests(await this.recent(customerId, limit, after));
  }

  /** Fills in the digests of messages with attachments; image bytes only for the newest few with images. */
  private async withDigests(history: HistoryMessage[]): Promise<HistoryMessage[]> {
    let withBytes = 0;
    for (const message of [...history].reverse()) {
      // Documents written without a media field (some outbound paths) read as undefined despite the type.
      const media: MediaRef[] | undefined = message.media;
      if (message.mediaDigests || message.direction !== 'inbound' || !media?.length) continue;
      let digests = await this.media.digestsOf(message.id, { withImageBytes: false });
      if ([...digests.values()].some((d) => d.kind === 'image') && withBytes++ < IMAGE_MESSAGES_WITH_BYTES)
        digests = await this.media.digestsOf(message.id, { withImageBytes: true });
      if (digests.size > 0) message.mediaDigests = [...digests.values()];
    }
    return history;
  }

  /**
   * Case-insensitive text search, newest first. Small bodies are matched by the database; the
   * rare compressed ones (> 1 KiB) are unpacked and matched here.
   */
  async search(
    query: string,
    options: { customerId?: string; accountSid?: string; limit: number },
  ): Promise<HistoryMessage[]> {
    const pattern = query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Every message carries its account: a search that names one never returns another's.
    const scope = {
      ...(options.customerId ? { customerId: options.customerId } : {}),
      ...(options.accountSid ? { accountSid: options.accountSid } : {}),
    };
    const plain = await this.messages
      .find({ ...scope, 'body.text': { $regex: pattern, $options: 'i' } })
      .sort({ seq: -1 })
      .limit(options.limit)
      .toArray();
    const packed = await this.messages
      .find({ ...scope, 'body.zstd': { $exists: true } })
      .sort({ seq: -1 })
      .limit(1000)
      .toArray();
    const needle = query.toLowerCase();
    const unpacked = (await Promise.all(packed.map(toHistory))).filter((m) => m.body.toLowerCase().includes(needle));
    const all = [...(await Promise.all(plain.map(toHistory))), ...unpacked];
    return all.sort((a, b) => b.seq.getTime() - a.seq.getTime()).slice(0, options.limit);
  }

  /** When `address` last wrote to this account on `channel` (the WhatsApp 24-hour window starts there). */
  async lastInboundAt(accountSid: string, address: string, channel: Channel): Promise<Date | undefined> {
    const [last] = await this.messages
      .find({ accountSid, from: address, channel, direction: 'inbound' })
      .sort({ createdAt: -1 })
      .limit(1)
      .toArray();
    return last?.createdAt;
  }

  /**
   * The customer's newest inbound message on a text channel, else their newest call turn (a person's
   * reply goes where they last wrote from).
   */
  async latestInbound(customerId: string): Promise<HistoryMessage | undefined> {
    const newest = async (channel: object) =>
      (
        await this.messages
          .find({ customerId, direction: 'inbound', ...channel })
          .sort({ seq: -1 })
          .limit(1)
          .toArray()
      )[0];
    const doc = (await newest({ channel: { $ne: 'voice' } })) ?? (await newest({ channel: 'voice' }));
    return doc ? toHistory(doc) : undefined;
  }

  /** A page of the customer's text messages (call turns left out), newest first, before `before` (seq, id). */
  async textPage(customerId: string, limit: number, before?: { seq: Date; id: string }): Promise<HistoryMessage[]> {
    const older = before ? { $or: [{ seq: { $lt: before.seq } }, { seq: before.seq, _id: { $lt: before.id } }] } : {};
    const docs = await this.messages
      .find({ customerId, channel: { $ne: 'voice' }, ...older })
      .sort({ seq: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return Promise.all(docs.map(toHistory));
  }

  /**
   * Customers by their latest message (calls' turns included), newest first: a page of at most
   * `limit`, optionally among `customerIds` and of `accounts`, after the cursor `before` (the last
   * row of the previous page). FerretDB v1 has no `$group` accumulators to ask for this, so it scans
   * messages newest first (at most {@link ACTIVITY_SCAN} of them per page) keeping each customer's first.
   */
  async latestActivity(filter: {
    accounts: 'all' | string[];
    customerIds?: string[];
    before?: { at: Date; customerId: string };
    limit: number;
  }): Promise<Array<{ customerId: string; accountSid: string; at: Date; channel: Channel }>> {
    const match = {
      ...(filter.accounts === 'all' ? {} : { accountSid: { $in: filter.accounts } }),
      ...(filter.customerIds ? { customerId: { $in: filter.customerIds } } : {}),
    };
    const { before } = filter;
    // Customers active after the cursor were on earlier pages, wherever their older messages fall.
    const shown = new Set<string>(
      before ? await this.messages.distinct('customerId', { ...match, seq: { $gt: before.at } }) : [],
    );
    const rows: Array<{ customerId: string; accountSid: string; at: Date; channel: Channel }> = [];
    const scan = this.messages
      .find(
        { ...match, ...(before ? { seq: { $lte: before.at } } : {}) },
        { projection: { customerId: 1, accountSid: 1, seq: 1, channel: 1 } },
      )
      .sort({ seq: -1, _id: -1 })
      .limit(ACTIVITY_SCAN);
    for await (const doc of scan) {
      if (shown.has(doc.customerId)) continue;
      shown.add(doc.customerId);
      const tie = before && doc.seq.getTime() === before.at.getTime() && doc.customerId <= before.customerId;
      if (tie) continue;
      rows.push({ customerId: doc.customerId, accountSid: doc.accountSid, at: doc.seq, channel: doc.channel });
      if (rows.length >= filter.limit) break;
    }
    await scan.close();
    return rows;
  }

  async countAfter(customerId: string, after?: Date): Promise<number> {
    return this.messages.countDocuments(after ? { customerId, seq: { $gt: after } } : { customerId });
  }
}

async function toHistory(doc: MessageDoc): Promise<HistoryMessage> {
  return {
    id: doc._id,
    customerId: doc.customerId,
    accountSid: doc.accountSid,
    direction: doc.direction,
    channel: doc.channel,
    from: doc.from,
    to: doc.to,
    body: await unpackText(doc.body),
    media: doc.media,
    ...(doc.mediaDigests ? { mediaDigests: doc.mediaDigests } : {}),
    ...(doc.twilioSid ? { twilioSid: doc.twilioSid } : {}),
    status: doc.status,
    createdAt: doc.createdAt,
    seq: doc.seq,
    ...(doc.agentId ? { agentId: doc.agentId } : {}),
    ...(doc.citations?.length ? { citations: doc.citations } : {}),
    ...(doc.humanAuthor ? { humanAuthor: doc.humanAuthor } : {}),
    ...(doc.conversationSid ? { conversationSid: doc.conversationSid } : {}),
  };
}
