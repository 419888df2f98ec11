import { ignoringDuplicate } from '../storage/duplicate-key';
import type { Collection, Db } from 'mongodb';

/** One record per attempt (insert-only: correct under concurrency on any MongoDB-compatible store). */
export interface WebhookAttemptRecord {
  deliveryId: string;
  subscriber: string;
  eventId: string;
  eventType: string;
  attempt: number;
  at: Date;
  url: string;
  outcome: 'delivered' | 'failed' | 'gave_up';
  httpStatus?: number;
  error?: string;
  durationMs?: number;
}

interface AttemptDoc extends WebhookAttemptRecord {
  _id: string;
}

export function webhookDeliveryId(subscriber: string, eventId: string): string {
  return `${subscriber}:${eventId}`;
}

/** The delivery log operators read: every attempt of every outgoing webhook, and final failures. */
export class WebhookDeliveryLog {
  private readonly attempts: Collection<AttemptDoc>;

  constructor(db: Db) {
    this.attempts = db.collection<AttemptDoc>('webhook_deliveries');
  }

  async ensureIndexes(): Promise<void> {
    await this.attempts.createIndex({ deliveryId: 1, attempt: 1 });
    await this.attempts.createIndex({ subscriber: 1, at: -1 });
  }

  /** Idempotent per (delivery, attempt, outcome): an activity retry after a crash does not log twice. */
  async record(entry: WebhookAttemptRecord): Promise<void> {
    const _id = `${entry.deliveryId}#${entry.attempt}${entry.outcome === 'gave_up' ? '#final' : ''}`;
    await ignoringDuplicate(this.attempts.updateOne({ _id }, { $setOnInsert: entry }, { upsert: true }));
  }

  async list(
    filter: { deliveryId?: string; subscriber?: string; eventId?: string } = {},
    limit = 200,
  ): Promise<WebhookAttemptRecord[]> {
    const docs = await this.attempts.find(filter).sort({ at: 1, attempt: 1 }).limit(limit).toArray();
    return docs.map(({ _id: _ignored, ...rest }) => rest);
  }
}
