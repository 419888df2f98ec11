import type { Collection, Db, Filter } from 'mongodb';
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

/** What the operator's call list filters by (all optional; `accounts` absent: every account). */
export interface CallFilter {
  accounts?: string[];
  agentId?: string;
  /** Either end of the call: the remote party or our number. */
  number?: string;
  outcome?: CallOutcome;
  /** `startedAt` at or after. */
  from?: Date;
  /** `startedAt` before. */
  to?: Date;
}

/** Where a page of the list starts: after this call in the newest-first order. */
export interface CallCursor {
  startedAt: Date;
  callSid: string;
}

/** A call as the list shows it: its record without turns and recordings, with its number of turns. */
export type CallListing = Omit<CallRecord, 'turns' | 'recordings'> & { turnCount: number };

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
  /** Times another realtime worker took the call over after its stream was lost (a crash or deploy). */
  reconnects?: number;
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
  /** Deleted at Twilio by the retention job (`voice.recordingRetentionDays`): the audio is gone. */
  deletedAt?: Date;
}

/** A recording past its retention, as the retention job deletes it. */
export interface ExpiredRecording {
  recordingSid: string;
  callSid: string;
  accountSid: string;
}

interface CallDoc extends Omit<CallRecord, 'callSid' | 'turns' | 'recordings' | 'dtmf'> {
  _id: string;
  /** Written when the call ends: a call still in progress has none. */
  dtmf?: string[];
}

interface TurnDoc extends CallTurn {
  _id: string;
  callSid: string;
  customerId?: string;
}

/**
 * One recording status callback: `_id` = `<RecordingSid>:<status>`, so a redelivery inserts nothing.
 * `deletedAt` is copied onto it once the recording is deleted (so the retention job's query skips it).
 */
interface RecordingDoc extends Omit<CallRecording, 'at'> {
  _id: string;
  callSid: string;
  accountSid: string;
  at: Date;
}

/**
 * The recording was deleted at Twilio: `_id` = `<RecordingSid>:deleted`, inserted once; it decides
 * `deletedAt` even for a status callback stored after it.
 */
interface DeletionDoc extends ExpiredRecording {
  _id: string;
  deletedAt: Date;
  at: Date;
}

type RecordingFactDoc = RecordingDoc | DeletionDoc;

function isDeletion(doc: RecordingFactDoc): doc is DeletionDoc {
  return !('status' in doc);
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
  private readonly recordings: Collection<RecordingFactDoc>;

  constructor(db: Db) {
    this.calls = db.collection<CallDoc>('calls');
    this.turns = db.collection<TurnDoc>('call_turns');
    this.recordings = db.collection<RecordingFactDoc>('call_recordings');
  }

  async ensureIndexes(): Promise<void> {
    await this.turns.createIndex({ callSid: 1, turnId: 1 });
    await this.recordings.createIndex({ callSid: 1 });
    await this.recordings.createIndex({ at: 1 });
    await this.calls.createIndex({ customerId: 1, startedAt: -1 });
    // The operator's call list: newest first, by account, agent, either number or outcome.
    await this.calls.createIndex({ startedAt: -1, _id: -1 });
    await this.calls.createIndex({ accountSid: 1, startedAt: -1 });
    await this.calls.createIndex({ agentId: 1, startedAt: -1 });
    await this.calls.createIndex({ remote: 1, startedAt: -1 });
    await this.calls.createIndex({ local: 1, startedAt: -1 });
    await this.calls.createIndex({ outcome: 1, startedAt: -1 });
  }

  /** Calls newest first (ties by call sid), filtered; `next` is set when there may be more after the page. */
  async list(
    filter: CallFilter,
    page: { after?: CallCursor; limit: number },
  ): Promise<{ calls: CallListing[]; next?: CallCursor }> {
    const and: Filter<CallDoc>[] = [];
    if (filter.accounts) and.push({ accountSid: { $in: filter.accounts } });
    if (filter.agentId !== undefined) and.push({ agentId: filter.agentId });
    if (filter.number !== undefined) and.push({ $or: [{ remote: filter.number }, { local: filter.number }] });
    if (filter.outcome !== undefined) and.push({ outcome: filter.outcome });
    if (filter.from) and.push({ startedAt: { $gte: filter.from } });
    if (filter.to) and.push({ startedAt: { $lt: filter.to } });
    if (page.after)
      and.push({
        $or: [
          { startedAt: { $lt: page.after.startedAt } },
          { startedAt: page.after.startedAt, _id: { $lt: page.after.callSid } },
        ],
      });
    const docs = await this.calls
      .find(and.length ? { $and: and } : {})
      .sort({ startedAt: -1, _id: -1 })
      .limit(page.limit + 1)
      .toArray();
    const shown = docs.slice(0, page.limit);
    const counts = new Map<string, number>();
    if (shown.length)
      for (const turn of await this.turns
        .find({ callSid: { $in: shown.map((d) => d._id) } }, { projection: { callSid: 1 } })
        .toArray())
        counts.set(turn.callSid, (counts.get(turn.callSid) ?? 0) + 1);
    const calls = shown.map(({ _id, ...rest }) => ({
      callSid: _id,
      ...rest,
      dtmf: rest.dtmf ?? [],
      turnCount: counts.get(_id) ?? 0,
    }));
    const last = calls.at(-1);
    return {
      calls,
      ...(docs.length > page.limit && last ? { next: { startedAt: last.startedAt, callSid: last.callSid } } : {}),
    };
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

  /**
   * Recordings first reported before `before` and not deleted yet, by recording sid after `after`,
   * at most `limit`; `next` (the last sid looked at) is set when there may be more.
   */
  async expiredRecordings(input: {
    before: Date;
    after?: string;
    limit: number;
  }): Promise<{ recordings: ExpiredRecording[]; next?: string }> {
    const found = new Map<string, ExpiredRecording>();
    let next: string | undefined;
    const facts = this.recordings
      .find(
        {
          at: { $lt: input.before },
          deletedAt: { $exists: false },
          ...(input.after !== undefined ? { recordingSid: { $gt: input.after } } : {}),
        },
        { projection: { recordingSid: 1, callSid: 1, accountSid: 1 } },
      )
      .sort({ recordingSid: 1, _id: 1 });
    for await (const fact of facts) {
      if (found.has(fact.recordingSid)) continue;
      if (found.size === input.limit) {
        next = [...found.keys()].at(-1);
        break;
      }
      found.set(fact.recordingSid, {
        recordingSid: fact.recordingSid,
        callSid: fact.callSid,
        accountSid: fact.accountSid,
      });
    }
    await facts.close();
    // A status callback stored after the deletion lacks `deletedAt`: the deletion fact still counts.
    const deleted = new Set(
      (
        await this.recordings
          .find({ _id: { $in: [...found.keys()].map((sid) => `${sid}:deleted`) } }, { projection: { recordingSid: 1 } })
          .toArray()
      ).map((doc) => doc.recordingSid),
    );
    return {
      recordings: [...found.values()].filter((r) => !deleted.has(r.recordingSid)),
      ...(next !== undefined ? { next } : {}),
    };
  }

  /** Idempotent: the first deletion's time stands; every stored fact of the recording carries it. */
  async markRecordingDeleted(recording: ExpiredRecording, deletedAt: Date): Promise<Date> {
    const _id = `${recording.recordingSid}:deleted`;
    await ignoringDuplicate(this.recordings.insertOne({ _id, ...recording, deletedAt, at: deletedAt }));
    const first = await this.recordings.findOne({ _id });
    const when = first && isDeletion(first) ? first.deletedAt : deletedAt;
    await this.recordings.updateMany(
      { recordingSid: recording.recordingSid, deletedAt: { $exists: false } },
      { $set: { deletedAt: when } },
    );
    return when;
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
    reconnects?: number;
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
          ...(input.reconnects !== undefined ? { reconnects: input.reconnects } : {}),
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
      dtmf: rest.dtmf ?? [],
      turns: turns.map(({ _id: _t, callSid: _c, customerId: _cu, ...turn }) => turn),
      recordings: foldRecordings(recordings),
    };
  }
}

/**
 * Each recording at its highest-ranked status (a final one beats `in-progress`; among finals the
 * first reported wins), with fields only an earlier callback carried kept.
 */
function foldRecordings(facts: RecordingFactDoc[]): CallRecording[] {
  const docs = facts.filter((f): f is RecordingDoc => !isDeletion(f));
  const deletions = new Map(facts.filter(isDeletion).map((d) => [d.recordingSid, d.deletedAt]));
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
  return [...folded.values()]
    .map((recording) => {
      const deletedAt = deletions.get(recording.recordingSid) ?? recording.deletedAt;
      return deletedAt ? { ...recording, deletedAt } : recording;
    })
    .sort((a, b) => firstSeen.get(a.recordingSid)! - firstSeen.get(b.recordingSid)!);
}
