import { isDuplicateKey } from '../storage/duplicate-key';
import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { identityKey } from '../messaging/addresses';

interface IdentityDoc {
  _id: string;
  customerId: string;
  createdAt: Date;
}

/** Default id for a person first seen at `key`: stable, so concurrent first contacts agree. */
function defaultCustomerId(key: string): string {
  return `cus_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

/** Maps channel addresses to one customer id (one person across SMS, WhatsApp, calls). */
export class IdentityStore {
  private readonly identities: Collection<IdentityDoc>;

  constructor(db: Db) {
    this.identities = db.collection<IdentityDoc>('identities');
  }

  /** The customer an address belongs to, if it has been seen or linked. */
  async find(rawAddress: string): Promise<string | undefined> {
    return (await this.identities.findOne({ _id: identityKey(rawAddress) }))?.customerId;
  }

  /** Every identity key that leads to this customer. */
  async addresses(customerId: string): Promise<string[]> {
    return (await this.identities.find({ customerId }).sort({ _id: 1 }).toArray()).map((d) => d._id);
  }

  /**
   * Links another address (an email, a second phone, a Conversations identity) to an existing
   * customer. An address that already belongs to someone else is not moved: that is a conflict.
   */
  async link(rawAddress: string, customerId: string): Promise<'linked' | 'already-linked' | { conflictWith: string }> {
    const key = identityKey(rawAddress);
    try {
      await this.identities.insertOne({ _id: key, customerId, createdAt: new Date() });
      return 'linked';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const owner = await this.identities.findOne({ _id: key });
      return owner?.customerId === customerId ? 'already-linked' : { conflictWith: owner?.customerId ?? 'unknown' };
    }
  }

  /** The customer behind an address, created on first contact. */
  async resolve(rawAddress: string): Promise<string> {
    const key = identityKey(rawAddress);
    const found = await this.identities.findOne({ _id: key });
    if (found) return found.customerId;
    const customerId = defaultCustomerId(key);
    try {
      await this.identities.insertOne({ _id: key, customerId, createdAt: new Date() });
      return customerId;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.identities.findOne({ _id: key });
      if (!winner) throw error;
      return winner.customerId;
    }
  }
}
