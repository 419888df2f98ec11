import type { Collection, Db } from 'mongodb';
import { packText, unpackText, type StoredText } from './compression';

/** Long-term memory of one customer: a running summary of everything older than recent history. */
export interface CustomerMemory {
  customerId: string;
  summary: string;
  /** Messages up to and including this `seq` are folded into the summary. */
  summarizedThrough?: Date;
  updatedAt: Date;
}

interface MemoryDoc {
  _id: string;
  summary: StoredText;
  summarizedThrough?: Date;
  updatedAt: Date;
}

export class CustomerMemoryStore {
  private readonly memories: Collection<MemoryDoc>;

  constructor(db: Db) {
    this.memories = db.collection<MemoryDoc>('customer_memory');
  }

  async get(customerId: string): Promise<CustomerMemory | undefined> {
    const doc = await this.memories.findOne({ _id: customerId });
    if (!doc) return undefined;
    return {
      customerId,
      summary: await unpackText(doc.summary),
      ...(doc.summarizedThrough ? { summarizedThrough: doc.summarizedThrough } : {}),
      updatedAt: doc.updatedAt,
    };
  }

  async save(memory: { customerId: string; summary: string; summarizedThrough: Date }): Promise<void> {
    await this.memories.updateOne(
      { _id: memory.customerId },
      {
        $set: {
          summary: await packText(memory.summary),
          summarizedThrough: memory.summarizedThrough,
          updatedAt: new Date(),
        },
      },
      { upsert: true },
    );
  }
}
