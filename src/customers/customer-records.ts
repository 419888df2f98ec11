import type { Db, Document } from 'mongodb';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { MessageStore } from '../memory/message-store';
import { ignoringDuplicate } from '../storage/duplicate-key';

/** How many documents forgetting removed, per collection. */
export type ForgottenCounts = Record<string, number>;

/** Everything stored about one customer, as the operator's JSON export. */
export interface CustomerExport {
  customerId: string;
  accountSid?: string;
  identities: Document[];
  memory: { summary: string; summarizedThrough?: Date; updatedAt: Date } | null;
  messages: Document[];
  calls: Document[];
  callTurns: Document[];
  recordings: Document[];
  consent: Document[];
  events: Document[];
}

// Far above any real history; the export is one read, not paged.
const MAX_EXPORTED_MESSAGES = 100_000;

/** The bare number or address of an identity's `address` (`phone:+E164` → `+E164`): how other records name it. */
function rawAddress(identityAddress: string): string {
  return identityAddress.replace(/^(phone|address):/, '');
}

/**
 * A customer's records across collections, for the export and for forgetting. Deletion is
 * `deleteMany` per collection, so running it again deletes nothing more (idempotent, retry-safe);
 * the records that point at others (identities, messages, calls) are deleted last, so a retry after
 * a partial run still finds what hangs off them.
 */
export class CustomerRecords {
  constructor(
    private readonly db: Db,
    private readonly messages: MessageStore,
    private readonly memory: CustomerMemoryStore,
  ) {}

  private async related(customerId: string) {
    const identities = await this.db.collection('identities').find({ customerId }).toArray();
    const addresses = identities.map((i) => String(i.address ?? i._id)).map(rawAddress);
    const accountSid = identities.find((i) => i.accountSid)?.accountSid as string | undefined;
    const calls = await this.db.collection('calls').find({ customerId }).toArray();
    const callSids = calls.map((c) => String(c._id));
    const sent = await this.db
      .collection('messages')
      .find({ customerId, twilioSid: { $exists: true } }, { projection: { twilioSid: 1 } })
      .toArray();
    const messageSids = sent.map((m) => String(m.twilioSid));
    return { identities, addresses, accountSid, calls, callSids, messageSids };
  }

  async export(customerId: string): Promise<CustomerExport | undefined> {
    const r = await this.related(customerId);
    if (r.identities.length === 0 && r.calls.length === 0) return undefined;
    const memory = await this.memory.get(customerId);
    const messages = await this.messages.recent(customerId, MAX_EXPORTED_MESSAGES);
    const consentAddresses = r.identities.map((i) => String(i.address ?? ''));
    return {
      customerId,
      ...(r.accountSid ? { accountSid: r.accountSid } : {}),
      identities: r.identities,
      memory: memory
        ? { summary: memory.summary, summarizedThrough: memory.summarizedThrough, updatedAt: memory.updatedAt }
        : null,
      messages: messages.reverse().map(({ mediaDigests: _d, ...m }) => m),
      calls: r.calls,
      callTurns: await this.db.collection('call_turns').find({ customerId }).sort({ _id: 1 }).toArray(),
      recordings: await this.db
        .collection('call_recordings')
        .find({ callSid: { $in: r.callSids } })
        .toArray(),
      consent: r.accountSid
        ? await this.db
            .collection('consent_facts')
            .find({ accountSid: r.accountSid, address: { $in: [...consentAddresses, ...r.addresses] } })
            .toArray()
        : [],
      events: await this.db.collection('events').find({ customerId }).toArray(),
    };
  }

  /**
   * Every account the customer's records name (one in practice: customers are per account): what
   * forgetting them scopes the knowledge index's deletion by. Read before the records are deleted.
   */
  async accountsOf(customerId: string): Promise<string[]> {
    const found = await Promise.all(
      ['identities', 'messages', 'calls'].map((name) =>
        this.db.collection(name).distinct('accountSid', { customerId }),
      ),
    );
    return [...new Set(found.flat().filter((a): a is string => typeof a === 'string' && a.length > 0))].sort();
  }

  /** Deletes every record of the customer (consent facts are kept: see docs/architecture.md, Forgetting). */
  async forget(customerId: string): Promise<ForgottenCounts> {
    const r = await this.related(customerId);
    const counts: ForgottenCounts = {};
    const remove = async (collection: string, filter: Document) => {
      counts[collection] = (await this.db.collection(collection).deleteMany(filter)).deletedCount;
    };
    // What hangs off the customer's calls, messages and numbers first.
    await remove('call_recordings', { callSid: { $in: r.callSids } });
    await remove('delivery_callbacks', { twilioSid: { $in: r.messageSids } });
    await remove('verification_codes', {
      $or: [{ callSid: { $in: r.callSids } }, { accountSid: r.accountSid ?? null, address: { $in: r.addresses } }],
    });
    await remove('call_turns', { $or: [{ customerId }, { callSid: { $in: r.callSids } }] });
    await remove('events', { customerId });
    await remove('customer_memory', { _id: customerId });
    // Who answered them (human takeover): their addresses and the operator's notes.
    await remove('takeovers', { _id: customerId });
    // Attachments' digests and image bytes (GridFS) live apart from the messages.
    counts.message_media = await this.messages.media.forgetCustomer(customerId);
    await remove('messages', { customerId });
    await remove('calls', { customerId });
    // Only the opaque id, kept so that the number's next first contact gets a new one (IdentityStore).
    await ignoringDuplicate(
      this.db
        .collection<{ _id: string; at: Date }>('forgotten_customers')
        .insertOne({ _id: customerId, at: new Date() }),
    );
    // Scoped identities and any older unscoped ones: the next message from the number is a new customer.
    await remove('identities', { customerId });
    return counts;
  }
}
