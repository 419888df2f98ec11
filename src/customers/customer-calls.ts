import type { Collection, Db } from 'mongodb';
import type { CallOutcome } from '../voice/call-types';

/** A customer's call as their history lists it (the call page has the rest). */
export interface CustomerCall {
  callSid: string;
  startedAt: Date;
  direction?: string;
  outcome?: CallOutcome;
  durationSeconds?: number;
  turnCount: number;
}

interface CallRow {
  _id: string;
  customerId?: string;
  startedAt: Date;
  direction?: string;
  outcome?: CallOutcome;
  durationSeconds?: number;
}

/** Reads a customer's calls for their history (the `calls` and `call_turns` collections, written by the call workflow). */
export class CustomerCalls {
  private readonly calls: Collection<CallRow>;
  private readonly turns: Collection<{ _id: string; callSid: string }>;

  constructor(db: Db) {
    this.calls = db.collection<CallRow>('calls');
    this.turns = db.collection<{ _id: string; callSid: string }>('call_turns');
  }

  /** The customer's calls newest first, before `before` (start time, call sid), at most `limit`. */
  async page(customerId: string, limit: number, before?: { at: Date; id: string }): Promise<CustomerCall[]> {
    const older = before
      ? { $or: [{ startedAt: { $lt: before.at } }, { startedAt: before.at, _id: { $lt: before.id } }] }
      : {};
    const rows = await this.calls
      .find({ customerId, ...older })
      .sort({ startedAt: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return Promise.all(
      rows.map(async (row) => ({
        callSid: row._id,
        startedAt: row.startedAt,
        ...(row.direction ? { direction: row.direction } : {}),
        ...(row.outcome ? { outcome: row.outcome } : {}),
        ...(row.durationSeconds !== undefined ? { durationSeconds: row.durationSeconds } : {}),
        turnCount: await this.turns.countDocuments({ callSid: row._id }),
      })),
    );
  }
}
