import type { Collection, Db } from 'mongodb';

/**
 * How far a message has got. Twilio's callbacks arrive in any order (a `delivered` before its
 * `sent`), so a status only replaces one of lower rank: the record only moves forward.
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

export const FAILED_STATUSES = new Set(['failed', 'undelivered']);

export function isKnownStatus(status: string): boolean {
  return status in STATUS_RANK;
}

export interface DeliveryStatus {
  twilioSid: string;
  status: string;
  errorCode?: number;
  accountSid: string;
  updatedAt: Date;
  /** Every status callback received, in arrival order (including stale ones). */
  history: Array<{ status: string; errorCode?: number; at: Date }>;
}

interface StatusDoc extends Omit<DeliveryStatus, 'twilioSid'> {
  _id: string;
  rank: number;
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

/** Delivery status per Twilio message sid, independent of whether our send has recorded the sid yet. */
export class DeliveryStatusStore {
  private readonly statuses: Collection<StatusDoc>;

  constructor(db: Db) {
    this.statuses = db.collection<StatusDoc>('delivery_status');
  }

  /** Applies a callback; 'stale' when a later status was already recorded (it is still kept in history). */
  async apply(update: { twilioSid: string; status: string; errorCode?: number; accountSid: string; at: Date }): Promise<'applied' | 'stale'> {
    const rank = STATUS_RANK[update.status] ?? 0;
    const entry = { status: update.status, at: update.at, ...(update.errorCode ? { errorCode: update.errorCode } : {}) };
    try {
      // Matches only a document of lower rank (or none): the upsert then inserts, and a
      // higher-ranked existing document makes the insert collide instead of being overwritten.
      await this.statuses.updateOne(
        { _id: update.twilioSid, rank: { $lt: rank } },
        {
          $set: { status: update.status, rank, accountSid: update.accountSid, updatedAt: update.at, ...(update.errorCode ? { errorCode: update.errorCode } : {}) },
          $push: { history: entry },
        },
        { upsert: true },
      );
      return 'applied';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.statuses.updateOne({ _id: update.twilioSid }, { $push: { history: entry } });
      return 'stale';
    }
  }

  async get(twilioSid: string): Promise<DeliveryStatus | undefined> {
    const doc = await this.statuses.findOne({ _id: twilioSid });
    if (!doc) return undefined;
    const { _id, rank: _rank, ...rest } = doc;
    return { twilioSid: _id, ...rest };
  }
}
