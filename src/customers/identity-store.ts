import { isDuplicateKey } from '../storage/duplicate-key';
import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { identityKey } from '../messaging/addresses';

/**
 * One address of one customer within one account. Documents written before customers were scoped by
 * account (`_id` = the bare identity key, no `accountSid`) are left in place by the migration
 * (`src/storage/migrations/`) and never read here: every query names `accountSid`.
 */
export interface IdentityDoc {
  _id: string;
  accountSid?: string;
  /** The identity key without the account (`phone:+E164`, `identity:<name>`, `call:<CallSid>` …). */
  address?: string;
  customerId: string;
  createdAt: Date;
}

/** An identity key within one account: the same number on two accounts is two people to us. */
export function scopedIdentityKey(accountSid: string, rawAddress: string): string {
  return `${accountSid}|${identityKey(rawAddress)}`;
}

/** Default id for a person first seen at a scoped key: stable, so concurrent first contacts agree. */
export function defaultCustomerId(scopedKey: string): string {
  return `cus_${createHash('sha256').update(scopedKey).digest('hex').slice(0, 20)}`;
}

/** Maps channel addresses to one customer id per account (one person across SMS, WhatsApp, calls). */
export class IdentityStore {
  private readonly identities: Collection<IdentityDoc>;
  private readonly forgotten: Collection<{ _id: string }>;

  constructor(db: Db) {
    this.identities = db.collection<IdentityDoc>('identities');
    this.forgotten = db.collection<{ _id: string }>('forgotten_customers');
  }

  /**
   * The id a first contact at this key gets: the default one, unless that customer was forgotten
   * (then the next in a fixed sequence), so a forgotten person's number returns as a new customer
   * and concurrent first contacts still agree.
   */
  private async freshCustomerId(key: string): Promise<string> {
    for (let generation = 0; ; generation++) {
      const id = defaultCustomerId(generation === 0 ? key : `${key}#${generation}`);
      if (!(await this.forgotten.findOne({ _id: id }))) return id;
    }
  }

  /** The customer an address belongs to in this account, if it has been seen or linked. */
  async find(accountSid: string, rawAddress: string): Promise<string | undefined> {
    return (await this.identities.findOne({ _id: scopedIdentityKey(accountSid, rawAddress) }))?.customerId;
  }

  /** Every identity key (without the account) that leads to this customer. */
  async addresses(customerId: string): Promise<string[]> {
    const docs = await this.identities
      .find({ customerId, accountSid: { $exists: true } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map((d) => d.address ?? d._id.slice(d._id.indexOf('|') + 1));
  }

  /**
   * Customers of these accounts whose id or one of whose addresses contains `text` (any case), at
   * most `limit` of them: the operator's search box.
   */
  async matching(accounts: 'all' | string[], text: string, limit: number): Promise<string[]> {
    const pattern = { $regex: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
    const docs = await this.identities
      .find({
        accountSid: accounts === 'all' ? { $exists: true } : { $in: accounts },
        $or: [{ address: pattern }, { customerId: pattern }],
      })
      .project<{ customerId: string }>({ customerId: 1 })
      .limit(limit * 4)
      .toArray();
    return [...new Set(docs.map((d) => d.customerId))].slice(0, limit);
  }

  /** The account a customer belongs to, or undefined for an unknown customer. */
  async accountOf(customerId: string): Promise<string | undefined> {
    return (await this.identities.findOne({ customerId, accountSid: { $exists: true } }))?.accountSid;
  }

  /**
   * Links another address (an email, a second phone, a Conversations identity) to an existing
   * customer of the same account. An address that already belongs to someone else is not moved:
   * that is a conflict; a customer of another account is never linked.
   */
  async link(
    accountSid: string,
    rawAddress: string,
    customerId: string,
  ): Promise<'linked' | 'already-linked' | { conflictWith: string } | { otherAccount: string }> {
    const owner = await this.accountOf(customerId);
    if (owner && owner !== accountSid) return { otherAccount: owner };
    const key = scopedIdentityKey(accountSid, rawAddress);
    try {
      await this.identities.insertOne(this.doc(accountSid, rawAddress, customerId));
      return 'linked';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.identities.findOne({ _id: key });
      return existing?.customerId === customerId
        ? 'already-linked'
        : { conflictWith: existing?.customerId ?? 'unknown' };
    }
  }

  /** The customer behind an address in this account, created on first contact. */
  async resolve(accountSid: string, rawAddress: string): Promise<string> {
    const key = scopedIdentityKey(accountSid, rawAddress);
    const found = await this.identities.findOne({ _id: key });
    if (found) return found.customerId;
    const doc = this.doc(accountSid, rawAddress, await this.freshCustomerId(key));
    try {
      await this.identities.insertOne(doc);
      return doc.customerId;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.identities.findOne({ _id: key });
      if (!winner) throw error;
      return winner.customerId;
    }
  }

  private doc(accountSid: string, rawAddress: string, customerId: string): IdentityDoc {
    return {
      _id: scopedIdentityKey(accountSid, rawAddress),
      accountSid,
      address: identityKey(rawAddress),
      customerId,
      createdAt: new Date(),
    };
  }
}
