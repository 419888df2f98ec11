import type { Collection, Db } from 'mongodb';
import { ignoringDuplicate } from '../storage/duplicate-key';
import type { CallOutcome, CallStatusUpdate, CallTurn, StreamEnded, StreamStarted } from './call-types';

export interface CallRecord {
  callSid: string;
  accountSid: string;
  customerId?: string;
  remote?: string;
  local?: string;
  direction?: string;
  startedAt: Date;
  endedAt?: Date;
  outcome?: CallOutcome;
  finalStatus?: string;
  durationSeconds?: number;
  endReason?: StreamEnded['reason'];
  dtmf: string[];
  turns: CallTurn[];
}

interface CallDoc extends Omit<CallRecord, 'callSid' | 'turns'> {
  _id: string;
}

interface TurnDoc extends CallTurn {
  _id: string;
  callSid: string;
  customerId?: string;
}

/**
 * Calls and their transcripts. Each turn is its own insert-only record written as it happens, so
 * a call that drops mid-conversation still has everything up to that point; the call document is
 * written by the call's workflow alone (one writer, no concurrent updates).
 */
export class CallStore {
  private readonly calls: Collection<CallDoc>;
  private readonly turns: Collection<TurnDoc>;

  constructor(db: Db) {
    this.calls = db.collection<CallDoc>('calls');
    this.turns = db.collection<TurnDoc>('call_turns');
  }

  async ensureIndexes(): Promise<void> {
    await this.turns.createIndex({ callSid: 1, turnId: 1 });
    await this.calls.createIndex({ customerId: 1, startedAt: -1 });
  }

  async start(stream: StreamStarted): Promise<void> {
    await ignoringDuplicate(
      this.calls.updateOne(
        { _id: stream.callSid },
        { $setOnInsert: { accountSid: stream.accountSid, customerId: stream.customerId, remote: stream.remote, local: stream.local, direction: stream.direction, startedAt: new Date(stream.at), dtmf: [] } },
        { upsert: true },
      ),
    );
  }

  async addTurn(callSid: string, customerId: string | undefined, turn: CallTurn): Promise<void> {
    await ignoringDuplicate(this.turns.insertOne({ _id: `${callSid}:${turn.turnId}:${turn.role}`, callSid, ...(customerId ? { customerId } : {}), ...turn }));
  }

  async finish(input: { callSid: string; accountSid: string; stream?: StreamStarted; status?: CallStatusUpdate; ended?: StreamEnded; outcome: CallOutcome; dtmf: string[]; startedAt: string }): Promise<void> {
    const { stream, status, ended } = input;
    await this.calls.updateOne(
      { _id: input.callSid },
      {
        $set: {
          accountSid: input.accountSid,
          ...(stream ? { customerId: stream.customerId, remote: stream.remote, local: stream.local, direction: stream.direction } : {}),
          endedAt: new Date(ended?.at ?? status?.at ?? Date.now()),
          outcome: input.outcome,
          ...(status ? { finalStatus: status.status } : {}),
          ...(status?.durationSeconds !== undefined ? { durationSeconds: status.durationSeconds } : {}),
          ...(ended ? { endReason: ended.reason } : {}),
          dtmf: input.dtmf,
        },
        $setOnInsert: { startedAt: new Date(stream?.at ?? input.startedAt) },
      },
      { upsert: true },
    );
  }

  async get(callSid: string): Promise<CallRecord | undefined> {
    const doc = await this.calls.findOne({ _id: callSid });
    if (!doc) return undefined;
    const turns = await this.turns.find({ callSid }).sort({ turnId: 1, at: 1 }).toArray();
    const { _id, ...rest } = doc;
    return { callSid: _id, ...rest, turns: turns.map(({ _id: _t, callSid: _c, customerId: _cu, ...turn }) => turn) };
  }
}
