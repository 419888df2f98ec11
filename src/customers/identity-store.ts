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

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

/** Maps channel addresses to one customer id (one person across SMS, WhatsApp, calls). */
export class IdentityStore {
  private readonly identities: Collection<IdentityDoc>;

  constructor(db: Db) {
    this.identities = db.collection<IdentityDoc>('identities');
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
