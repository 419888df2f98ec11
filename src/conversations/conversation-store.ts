import { ignoringDuplicate } from '../storage/duplicate-key';
import type { Collection, Db } from 'mongodb';
import {
  belongsInConversationRecord,
  eventData,
  type ConversationEvent,
  type ConversationParticipant,
  type ConversationState,
} from './events';

/**
 * What we know about each Twilio Conversation: details, state, participants, notable events.
 *
 * Kept as insert-only facts (`conversation_facts`, one document per fact, `_id` = a fact id derived
 * from Twilio's ids) and folded when read, rather than as one document updated in place: FerretDB
 * v1 loses concurrent updates to one document (measured: 20 concurrent `$inc` on one document
 * left 4), and webhooks for one conversation do arrive concurrently. An insert with a unique
 * `_id` is atomic on FerretDB and MongoDB alike, and inserting the same fact twice is a no-op —
 * which also makes out-of-order and redelivered reports harmless.
 */

interface EventSummary {
  id: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

type Fact =
  | { kind: 'details'; friendlyName?: string; uniqueName?: string }
  | { kind: 'state'; state: ConversationState }
  | { kind: 'removed' }
  | { kind: 'participant-added'; participant: ConversationParticipant }
  | { kind: 'participant-removed'; participant: ConversationParticipant }
  | { kind: 'event'; event: EventSummary };

type FactDoc = Fact & { _id: string; conversationSid: string; accountSid: string; at: Date; recordedAt: Date };

interface ConversationDoc {
  _id: string;
  accountSid: string;
  firstSeenAt: Date;
}

interface ParticipantView extends ConversationParticipant {
  addedAt: Date;
}

/** Our record of a Twilio Conversation, as the operator API shows it. */
export interface ConversationRecord {
  sid: string;
  accountSid: string;
  friendlyName?: string;
  uniqueName?: string;
  state?: ConversationState;
  removed: boolean;
  /** Current participants (added and not removed since), in the order they joined. */
  participants: ParticipantView[];
  /** Lifecycle events and delivery failures, oldest first (every receipt is in the EventLog). */
  events: EventSummary[];
  firstSeenAt: Date;
}

/** Newest first by Twilio's time; a tie keeps insertion order stable by fact id. */
function newestFirst(a: FactDoc, b: FactDoc): number {
  return b.at.getTime() - a.at.getTime() || b._id.localeCompare(a._id);
}

/** Folds a conversation's facts into its current record. Closed is terminal on Twilio, so it sticks. */
function fold(conversation: ConversationDoc, facts: FactDoc[]): ConversationRecord {
  const newest = [...facts].sort(newestFirst);
  const details = newest.filter((f): f is FactDoc & { kind: 'details' } => f.kind === 'details');
  const friendlyName = details.find((f) => f.friendlyName !== undefined)?.friendlyName;
  const uniqueName = details.find((f) => f.uniqueName !== undefined)?.uniqueName;
  const states = newest.filter((f): f is FactDoc & { kind: 'state' } => f.kind === 'state');
  const state = states.some((f) => f.state === 'closed') ? 'closed' : states[0]?.state;

  const removedSids = new Set(facts.flatMap((f) => (f.kind === 'participant-removed' ? [f.participant.sid] : [])));
  const joined = new Map<string, ParticipantView>();
  for (const f of [...newest].reverse()) {
    if (f.kind !== 'participant-added' || removedSids.has(f.participant.sid)) continue;
    const known = joined.get(f.participant.sid);
    // Webhook and API result describe the same participant; merge what each knows.
    joined.set(f.participant.sid, { ...f.participant, ...known, addedAt: known?.addedAt ?? f.at });
  }
  const events = facts
    .flatMap((f) => (f.kind === 'event' ? [f.event] : []))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id));
  return {
    sid: conversation._id,
    accountSid: conversation.accountSid,
    ...(friendlyName !== undefined ? { friendlyName } : {}),
    ...(uniqueName !== undefined ? { uniqueName } : {}),
    ...(state ? { state } : {}),
    removed: facts.some((f) => f.kind === 'removed'),
    participants: [...joined.values()],
    events,
    firstSeenAt: conversation.firstSeenAt,
  };
}

export class ConversationStore {
  private readonly conversations: Collection<ConversationDoc>;
  private readonly facts: Collection<FactDoc>;
  private indexed: Promise<unknown> | undefined;

  constructor(db: Db) {
    this.conversations = db.collection<ConversationDoc>('conversations');
    this.facts = db.collection<FactDoc>('conversation_facts');
  }

  private ensureIndexes(): Promise<unknown> {
    this.indexed ??= this.facts.createIndex({ conversationSid: 1, at: 1 }).catch((error: unknown) => {
      this.indexed = undefined;
      throw error;
    });
    return this.indexed;
  }

  /** Records a fact once; the same `factId` again changes nothing. */
  private async record(
    conversationSid: string,
    accountSid: string,
    factId: string,
    at: Date,
    fact: Fact,
  ): Promise<void> {
    await this.ensureIndexes();
    const now = new Date();
    await ignoringDuplicate(this.conversations.insertOne({ _id: conversationSid, accountSid, firstSeenAt: now }));
    await ignoringDuplicate(
      this.facts.insertOne({ ...fact, _id: factId, conversationSid, accountSid, at, recordedAt: now }),
    );
  }

  /** Facts from a Twilio event: ids derive from the event id, so a redelivery adds nothing. */
  async applyEvent(event: ConversationEvent): Promise<void> {
    const { conversationSid: sid, accountSid } = event;
    const at = new Date(event.occurredAt);
    const fact = (kind: string) => `${event.id}#${kind}`;
    switch (event.type) {
      case 'conversation.created':
      case 'conversation.updated': {
        const { friendlyName, uniqueName, state } = event.conversation;
        if (friendlyName !== undefined || uniqueName !== undefined)
          await this.record(sid, accountSid, fact('details'), at, {
            kind: 'details',
            ...(friendlyName !== undefined ? { friendlyName } : {}),
            ...(uniqueName !== undefined ? { uniqueName } : {}),
          });
        if (state) await this.record(sid, accountSid, fact('state'), at, { kind: 'state', state });
        break;
      }
      case 'conversation.removed':
        await this.record(sid, accountSid, fact('removed'), at, { kind: 'removed' });
        break;
      case 'conversation.state_changed':
      case 'conversation.closed':
        await this.record(sid, accountSid, fact('state'), at, { kind: 'state', state: event.to });
        break;
      case 'participant.added':
        await this.record(sid, accountSid, fact('participant'), at, {
          kind: 'participant-added',
          participant: event.participant,
        });
        break;
      case 'participant.removed':
        await this.record(sid, accountSid, fact('participant'), at, {
          kind: 'participant-removed',
          participant: event.participant,
        });
        break;
      default:
        break;
    }
    if (belongsInConversationRecord(event)) {
      await this.record(sid, accountSid, fact('event'), at, {
        kind: 'event',
        event: { id: event.id, type: event.type, occurredAt: at, data: eventData(event) },
      });
    }
  }

  // Facts from our own operations (Twilio's answer to the REST call), ids prefixed `op:`.

  async noteCreated(
    sid: string,
    accountSid: string,
    details: { friendlyName?: string; uniqueName?: string; state: ConversationState },
    at: Date,
  ): Promise<void> {
    const { state, ...names } = details;
    await this.record(sid, accountSid, `op:created:${sid}#details`, at, { kind: 'details', ...names });
    await this.record(sid, accountSid, `op:created:${sid}#state`, at, { kind: 'state', state });
  }

  async noteParticipantAdded(
    sid: string,
    accountSid: string,
    participant: ConversationParticipant,
    at: Date,
  ): Promise<void> {
    await this.record(sid, accountSid, `op:participant.added:${participant.sid}`, at, {
      kind: 'participant-added',
      participant,
    });
  }

  async noteParticipantRemoved(sid: string, accountSid: string, participantSid: string, at: Date): Promise<void> {
    await this.record(sid, accountSid, `op:participant.removed:${participantSid}`, at, {
      kind: 'participant-removed',
      participant: { sid: participantSid },
    });
  }

  async noteClosed(sid: string, accountSid: string, at: Date): Promise<void> {
    await this.record(sid, accountSid, `op:closed:${sid}`, at, { kind: 'state', state: 'closed' });
  }

  async get(sid: string): Promise<ConversationRecord | undefined> {
    const conversation = await this.conversations.findOne({ _id: sid });
    if (!conversation) return undefined;
    await this.ensureIndexes();
    return fold(conversation, await this.facts.find({ conversationSid: sid }).toArray());
  }
}
