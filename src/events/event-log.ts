import { isDuplicateKey } from '../storage/duplicate-key';
import type { Collection, Db } from 'mongodb';

/** A telephony or platform event as stored; `id` derives from the provider's ids, so redelivery dedupes. */
export interface PlatformEvent<T = Record<string, unknown>> {
  id: string;
  type: string;
  /** Event schema version (see catalog.ts); absent on records written before versioning. */
  version?: number;
  source?: 'twilio' | 'beluga';
  occurredAt: Date;
  accountSid?: string;
  customerId?: string;
  data: T;
}

interface EventDoc extends Omit<PlatformEvent, 'id'> {
  _id: string;
  recordedAt: Date;
}

/** Append-only event log; appending the same id twice is a no-op. */
export class EventLog {
  private readonly events: Collection<EventDoc>;

  constructor(db: Db) {
    this.events = db.collection<EventDoc>('events');
  }

  async ensureIndexes(): Promise<void> {
    await this.events.createIndex({ type: 1, occurredAt: -1 });
    await this.events.createIndex({ customerId: 1, occurredAt: -1 });
  }

  /** Returns false when an event with this id was already recorded. */
  async append(event: PlatformEvent): Promise<boolean> {
    const { id, ...rest } = event;
    try {
      const result = await this.events.updateOne(
        { _id: id },
        { $setOnInsert: { ...rest, recordedAt: new Date() } },
        { upsert: true },
      );
      return result.upsertedCount === 1;
    } catch (error) {
      // A concurrent duplicate delivery inserted it first.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async exists(id: string): Promise<boolean> {
    return (await this.events.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  async list(filter: { type?: string; customerId?: string } = {}, limit = 100): Promise<PlatformEvent[]> {
    const docs = await this.events.find(filter).sort({ occurredAt: -1, _id: -1 }).limit(limit).toArray();
    return docs.map(({ _id, recordedAt: _recordedAt, ...rest }) => ({ id: _id, ...rest }));
  }
}
