import type { Collection, Db } from 'mongodb';
import type { TakeoverState, TakeoverView } from '../gateway/api-types';
import { isDuplicateKey } from '../storage/duplicate-key';

interface TakeoverDoc extends Omit<TakeoverView, 'customerId'> {
  _id: string;
  /** Monotonic per customer (across workflow runs): an older write never replaces a newer one. */
  revision: number;
  updatedAt: Date;
}

/**
 * Who answers each customer right now (`takeovers`, one document per customer). Written only by the
 * customer's own workflow (its local activities, one at a time), so FerretDB's lost concurrent
 * updates cannot happen; the revision guards against a late retry of an older write.
 */
export class TakeoverStore {
  private readonly takeovers: Collection<TakeoverDoc>;

  constructor(db: Db) {
    this.takeovers = db.collection<TakeoverDoc>('takeovers');
  }

  async ensureIndexes(): Promise<void> {
    await this.takeovers.createIndex({ state: 1, since: -1 });
  }

  /** Writes the customer's current state unless a newer revision is stored; whether it was written. */
  async save(view: TakeoverView, revision: number): Promise<boolean> {
    const { customerId, ...rest } = view;
    try {
      const result = await this.takeovers.replaceOne(
        { _id: customerId, revision: { $lt: revision } },
        { ...rest, revision, updatedAt: new Date() },
        { upsert: true },
      );
      return result.modifiedCount + result.upsertedCount === 1;
    } catch (error) {
      // The document exists with a newer revision: the upsert's insert collided with it.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async get(customerId: string): Promise<TakeoverView | undefined> {
    const doc = await this.takeovers.findOne({ _id: customerId });
    return doc ? toView(doc) : undefined;
  }

  /** Conversations a person has or should take (`waiting` and `human`, or one of them), oldest first. */
  async list(filter: { state?: 'waiting' | 'human'; accounts: 'all' | string[]; limit: number }): Promise<TakeoverView[]> {
    const docs = await this.takeovers
      .find({
        state: filter.state ?? { $in: ['waiting', 'human'] },
        ...(filter.accounts === 'all' ? {} : { accountSid: { $in: filter.accounts } }),
      })
      .sort({ since: 1, _id: 1 })
      .limit(filter.limit)
      .toArray();
    return docs.map(toView);
  }

  /** The state of each of these customers that has a document. */
  async statesOf(customerIds: string[]): Promise<Map<string, TakeoverState>> {
    if (customerIds.length === 0) return new Map();
    const docs = await this.takeovers
      .find({ _id: { $in: customerIds } }, { projection: { _id: 1, state: 1 } })
      .toArray();
    return new Map(docs.map((d) => [d._id, d.state]));
  }
}

function toView(doc: TakeoverDoc): TakeoverView {
  const { _id, revision: _revision, updatedAt: _updatedAt, ...view } = doc;
  return { customerId: _id, ...view };
}
