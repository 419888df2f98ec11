import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import type { AcceptedWebhook } from './accepted-webhook';

/** A webhook kept while Temporal was out of reach, until the relay hands it over. */
export interface InboxEntry {
  /** From Twilio's ids (see inboxKeys): a redelivered webhook is stored once. */
  id: string;
  orderKey: string;
  webhook: AcceptedWebhook;
  acceptedAt: Date;
  /** Acceptance order across gateways: milliseconds, then a per-process counter. */
  seq: number;
  /** Set once the relay has handed it over; the entry stays as a record of it. */
  relayedAt?: Date;
  attempts?: number;
  lastError?: string;
}

interface EntryDoc extends Omit<InboxEntry, 'id'> {
  _id: string;
}

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

let counter = 0;
/** Increasing within a process and roughly ordered by time across processes (clocks are close enough for webhooks seconds apart). */
function nextSeq(now: Date): number {
  counter = (counter + 1) % 1000;
  return now.getTime() * 1000 + counter;
}

/**
 * The gateway's durable inbox (MongoDB): webhooks acknowledged while Temporal could not take them.
 * Insert-only for the gateway (a retried webhook never overwrites the first); the relay marks
 * entries relayed and serializes its work per order key with a lease, so several gateways can drain.
 */
export class WebhookInbox {
  private readonly entries: Collection<EntryDoc>;
  private readonly leases: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.entries = db.collection<EntryDoc>('webhook_inbox');
    this.leases = db.collection<LeaseDoc>('webhook_inbox_leases');
  }

  async ensureIndexes(): Promise<void> {
    await this.entries.createIndex({ orderKey: 1, relayedAt: 1, seq: 1 });
    await this.entries.createIndex({ relayedAt: 1, seq: 1 });
  }

  /** 'duplicate' when Twilio's retry of a webhook already stored (relayed or not) arrives again. */
  async add(
    entry: { id: string; orderKey: string; webhook: AcceptedWebhook },
    now = new Date(),
  ): Promise<'stored' | 'duplicate'> {
    try {
      await this.entries.insertOne(
        { _id: entry.id, orderKey: entry.orderKey, webhook: entry.webhook, acceptedAt: now, seq: nextSeq(now) },
        // Parsed webhooks leave optional fields undefined; stored as null they would read back differently.
        { ignoreUndefined: true },
      );
      return 'stored';
    } catch (error) {
      if (isDuplicateKey(error)) return 'duplicate';
      throw error;
    }
  }

  /** Whether webhooks of this order key still wait: a newer one must queue behind them. */
  async hasPending(orderKey: string): Promise<boolean> {
    return (
      (await this.entries.findOne({ orderKey, relayedAt: { $exists: false } }, { projection: { _id: 1 } })) !== null
    );
  }

  /** Order keys with waiting webhooks, oldest first (at most `limit`). */
  async pendingOrderKeys(limit: number): Promise<string[]> {
    const keys: string[] = [];
    const cursor = this.entries
      .find({ relayedAt: { $exists: false } }, { projection: { orderKey: 1 } })
      .sort({ seq: 1 })
      .limit(limit * 20);
    for await (const doc of cursor) {
      if (!keys.includes(doc.orderKey)) keys.push(doc.orderKey);
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** The waiting webhooks of one order key, in acceptance order. */
  async pending(orderKey: string, limit: number): Promise<InboxEntry[]> {
    const docs = await this.entries
      .find({ orderKey, relayedAt: { $exists: false } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async markRelayed(id: string, now = new Date()): Promise<void> {
    await this.entries.updateOne({ _id: id }, { $set: { relayedAt: now } });
  }

  async recordFailure(id: string, error: string): Promise<void> {
    await this.entries.updateOne({ _id: id }, { $inc: { attempts: 1 }, $set: { lastError: error.slice(0, 500) } });
  }

  async get(id: string): Promise<InboxEntry | undefined> {
    const doc = await this.entries.findOne({ _id: id });
    if (!doc) return undefined;
    const { _id, ...rest } = doc;
    return { id: _id, ...rest };
  }

  /**
   * Takes (or renews) the lease on one order key: true when `owner` holds it until `now + leaseMs`.
   * A lease another owner holds and has not let expire is left alone (the upsert then hits the key).
   */
  async claim(orderKey: string, owner: string, leaseMs: number, now = new Date()): Promise<boolean> {
    try {
      const result = await this.leases.updateOne(
        { _id: orderKey, $or: [{ owner }, { until: { $lt: now } }] },
        { $set: { owner, until: new Date(now.getTime() + leaseMs) } },
        { upsert: true },
      );
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async release(orderKey: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: orderKey, owner });
  }
}
