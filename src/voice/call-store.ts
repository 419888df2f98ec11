import type { Collection, Db } from 'mongodb';
import { ignoringDuplicate } from '../storage/duplicate-key';
import {
  RECORDING_STATUS_RANK,
  type CallAgent,
  type CallOutcome,
  type CallRecordingUpdate,
  type CallStatusUpdate,
  type CallTurn,
  type StreamEnded,
  type StreamStarted,
} from './call-types';

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
  /** Twilio recordings of the call, each at its latest status (in the order they were first reported). */
  recordings: CallRecording[];
  /** The agent that answered, at the version pinned for the call. */
  agentId?: string;
  agentVersion?: number;
  /** Every agent that spoke, in order (the one that answered, then one per handoff); set when the call ends. */
  agents?: CallAgent[];
}

interface CallRecording extends Omit<CallRecordingUpdate, 'at'> {
  /** When this status was reported. */
  at: Date;
}

interface CallDoc extends Omit<CallRecord, 'callSid' | 'turns' | 'recordings'> {
  _id: string;
}

interface TurnDoc extends CallTurn {
  _id: string;
  callSid: string;
  customerId?: string;
}

/** One recording status callback: `_id` = `<RecordingSid>:<status>`, so a redelivery inserts nothing. */
interface RecordingDoc extends Omit<CallRecording, 'at'> {
  _id: string;
  callSid: string;
  accountSid: string;
  at: Date;
}

/**
 * Calls and their transcripts. Each turn is its own insert-only record written as it happens, so
 * a call that drops mid-conversation still has everything up to that point; the call document is
 * written by the call's workflow alone (one writer, no concurrent updates). Recording callbacks are
 * insert-only facts folded on read: they may arrive out of order, twice, concurrently, and after
 * the call's workflow has finished, and none of that can lose or regress one.
 */
export class CallStore {
  private readonly calls: Collection<CallDoc>;
  private readonly turns: Collection<TurnDoc>;
  private readonly recordings: Collection<RecordingDoc>;

  constructor(db: Db) {
    this.calls = db.collection<CallDoc>('calls');
    this.turns = db.collection<TurnDoc>('call_turns');
    this.recordings = db.collection<RecordingDoc>('call_recordings');
  }

  async ensureIndexes(): Promise<void> {
    await this.turns.createIndex({ callSid: 1, turnId: 1 });
    await this.recordings.createIndex({ callSid: 1 });
    await this.calls.createIndex({ customerId: 1, startedAt: -1 });
  }

  async start(stream: StreamStarted): Promise<void> {
    await ignoringDuplicate(
      this.calls.updateOne(
        { _id: stream.callSid },
        {
          $setOnInsert: {
            accountSid: stream.accountSid,
            customerId: stream.customerId,
            remote: stream.remote,
            local: stream.local,
            direction: stream.direction,
            startedAt: new Date(stream.at),
            dtmf: [],
            ...(stream.agentId !== undefined ? { agentId: stream.agentId } : {}),
            ...(stream.agentVersion !== undefined ? { agentVersion: stream.agentVersion } : {}),
          },
        },
        { upsert: true },
      ),
    );
  }

  async addTurn(callSid: string, customerId: string | undefined, turn: CallTurn): Promise<void> {
    await ignoringDuplicate(
      this.turns.insertOne({
        _id: `${callSid}:${turn.turnId}:${turn.role}`,
        callSid,
        ...(customerId ? { customerId } : {}),
        ...turn,
      }),
    );
  }

  /** Idempotent: the same (recording, status) reported again changes nothing. */
  async addRecording(call: { callSid: string; accountSid: string }, update: CallRecordingUpdate): Promise<void> {
    // Absent fields stay absent (the driver would store an undefined as null, and null would win the fold).
    await ignoringDuplicate(
      this.recordings.insertOne({
        _id: `${update.recordingSid}:${update.status}`,
        callSid: call.callSid,
        accountSid: call.accountSid,
        recordingSid: update.recordingSid,
        status: update.status,
        ...(update.url !== undefined ? { url: update.url } : {}),
        ...(update.durationSeconds !== undefined ? { durationSeconds: update.durationSeconds } : {}),
        ...(update.channels !== undefined ? { channels: update.channels } : {}),
        ...(update.source !== undefined ? { source: update.source } : {}),
        at: new Date(update.at),
      }),
    );
  }

  async finish(input: {
    callSid: string;
    accountSid: string;
    stream?: StreamStarted;
    status?: CallStatusUpdate;
    ended?: StreamEnded;
    outcome: CallOutcome;
    dtmf: string[];
    startedAt: string;
    agents?: CallAgent[];
  }): Promise<void> {
    const { stream, status, ended } = input;
    await this.calls.updateOne(
      { _id: input.callSid },
      {
        $set: {
          accountSid: input.accountSid,
          ...(stream
            ? { customerId: stream.customerId, remote: stream.remote, local: stream.local, direction: stream.direction }
            : {}),
          endedAt: new Date(ended?.at ?? status?.at ?? Date.now()),
          outcome: input.outcome,
          ...(status ? { finalStatus: status.status } : {}),
          ...(status?.durationSeconds !== undefined ? { durationSeconds: status.durationSeconds } : {}),
          ...(ended ? { endReason: ended.reason } : {}),
          dtmf: input.dtmf,
          ...(input.agents?.length
            ? { agentId: input.agents[0]!.agentId, agentVersion: input.agents[0]!.version, agents: input.agents }
            : {}),
        },
        $setOnInsert: { startedAt: new Date(stream?.at ?? input.startedAt) },
      },
      { upsert: true },
    );
  }

  async get(callSid: string): Promise<CallRecord | undefined> {
    const doc = await this.calls.findOne({ _id: callSid });
    if (!doc) return undefined;
    const [turns, recordings] = await Promise.all([
      this.turns.find({ callSid }).sort({ turnId: 1, at: 1 }).toArray(),
      this.recordings.find({ callSid }).toArray(),
    ]);
    const { _id, ...rest } = doc;
    return {
      callSid: _id,
      ...rest,
      turns: turns.map(({ _id: _t, callSid: _c, customerId: _cu, ...turn }) => turn),
      recordings: foldRecordings(recordings),
    };
  }
}

/**
 * Each recording at its highest-ranked status (a final one beats `in-progress`; among finals the
 * first reported wins), with fields only an earlier callback carried kept.
 */
function foldRecordings(docs: RecordingDoc[]): CallRecording[] {
  const firstSeen = new Map<string, number>();
  for (const doc of docs)
    firstSeen.set(doc.recordingSid, Math.min(firstSeen.get(doc.recordingSid) ?? Infinity, doc.at.getTime()));
  // Applied in this order, the winning fact comes last: rank ascending, then newest first.
  const ordered = [...docs].sort(
    (a, b) => RECORDING_STATUS_RANK[a.status] - RECORDING_STATUS_RANK[b.status] || b.at.getTime() - a.at.getTime(),
  );
  const folded = new Map<string, CallRecording>();
  for (const { _id, callSid: _c, accountSid: _a, ...fact } of ordered)
    folded.set(fact.recordingSid, { ...folded.get(fact.recordingSid), ...fact });
  return [...folded.values()].sort((a, b) => firstSeen.get(a.recordingSid)! - firstSeen.get(b.recordingSid)!);
}
