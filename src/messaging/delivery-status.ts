import { isDuplicateKey } from '../storage/duplicate-key';
import type { Collection, Db } from 'mongodb';

/**
 * How far a message has got. Twilio's callbacks arrive in any order (a `delivered` before its
 * `sent`), so the current status is the highest-ranked one received: it only moves forward.
 */
const STATUS_RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 0,
  sending: 1,
  sent: 2,
  partially_delivered: 3,
  undelivered: 3,
  failed: 3,
  canceled: 3,
  delivered: 4,
  read: 5,
};

export interface DeliveryStatus {
  twilioSid: string;
  status: string;
  errorCode?: number;
  accountSid: string;
  updatedAt: Date;
  /** Every distinct status callback received, in arrival order. */
  history: Array<{ status: string; errorCode?: number; at: Date }>;
}

interface CallbackDoc {
  _id: string;
  twilioSid: string;
  status: string;
  rank: number;
  errorCode?: number;
  accountSid: string;
  at: Date;
}

/**
 * Delivery status per Twilio message sid, kept as one insert-only record per (sid, status) and
 * resolved on read. No document is ever updated, so concurrent callbacks cannot overwrite each
 * other — FerretDB v1 loses concurrent updates to one document, and the result is the same on
 * MongoDB. Independent of whether our own send has recorded the sid yet.
 */
export class DeliveryStatusStore {
  private readonly callbacks: Collection<CallbackDoc>;

  constructor(db: Db) {
    this.callbacks = db.collection<CallbackDoc>('delivery_callbacks');
  }

  async ensureIndexes(): Promise<void> {
    await this.callbacks.createIndex({ twilioSid: 1, at: 1 });
  }

  /** Records a callback; 'stale' when an equal or later status was already there, 'duplicate' for a redelivery. */
  async apply(update: {
    twilioSid: string;
    status: string;
    errorCode?: number;
    accountSid: string;
    at: Date;
  }): Promise<'applied' | 'stale' | 'duplicate'> {
    const rank = STATUS_RANK[update.status] ?? 0;
    try {
      await this.callbacks.insertOne({
        _id: `${update.twilioSid}:${update.status}`,
        twilioSid: update.twilioSid,
        status: update.status,
        rank,
        accountSid: update.accountSid,
        at: update.at,
        ...(update.errorCode ? { errorCode: update.errorCode } : {}),
      });
    } catch (error) {
      if (isDuplicateKey(error)) return 'duplicate';
      throw error;
    }
    const current = await this.get(update.twilioSid);
    return current?.status === update.status ? 'applied' : 'stale';
  }

  async get(twilioSid: string): Promise<DeliveryStatus | undefined> {
    const docs = await this.callbacks.find({ twilioSid }).sort({ at: 1, _id: 1 }).toArray();
    if (docs.length === 0) return undefined;
    // Highest rank wins; among equals (failed vs undelivered) the first to arrive.
    const current = docs.reduce((best, doc) => (doc.rank > best.rank ? doc : best));
    return {
      twilioSid,
      status: current.status,
      ...(current.errorCode ? { errorCode: current.errorCode } : {}),
      accountSid: current.accountSid,
      updatedAt: docs[docs.length - 1]!.at,
      history: docs.map((d) => ({ status: d.status, at: d.at, ...(d.errorCode ? { errorCode: d.errorCode } : {}) })),
    };
  }
}
