import type { LiveCall, LiveEvent } from '../gateway/api-types';
import type { CallTurn, StreamEnded } from '../voice/call-types';
import type { CallEvents } from './call-events';
import { StreamEvent } from '../runtime/event-stream';

/** What a realtime worker's feed sends: its live calls, then what happens on them. */
export type LiveFeedEvent =
  { type: 'snapshot'; calls: LiveCall[] } | Exclude<LiveEvent, { type: 'snapshot' | 'takeover' }>;

/** A feed's reader (the gateway's live hub, through the internal SSE endpoint). */
export interface LiveFeedSubscriber {
  send(event: StreamEvent): void;
  close(): void;
}

/** A call's finished turns kept for a reader that connects mid-call (the call record has them all). */
const MAX_TURNS_KEPT = 100;

/** One call as the voice loop tells the feed about it. */
export interface LiveCallTap {
  /** Someone is reading the feed: only then is the text of what is being said worth putting together. */
  readonly watched: boolean;
  /** What is being said right now: the caller's words recognized so far, or the agent's reply as it plays. */
  current(role: 'caller' | 'agent', text: string, turnId?: number): void;
  turn(turn: CallTurn): void;
  ended(): void;
}

/**
 * The realtime worker's live calls for the operator console, per process. The voice loop's calls
 * into it are synchronous and O(1) per reader: no awaits, no I/O, no JSON (events are serialized
 * once, later, by the readers' streams, themselves bounded). With no reader, partial transcripts
 * and the agent's words in progress are not even recorded; only the call's start, finished turns
 * (the last {@link MAX_TURNS_KEPT}) and end are, for the snapshot of a reader that connects later.
 */
export class LiveFeed {
  private readonly calls = new Map<string, LiveCall>();
  private readonly subscribers = new Set<LiveFeedSubscriber>();

  get watched(): boolean {
    return this.subscribers.size > 0;
  }

  /** Subscribes (the snapshot of the live calls first); returns the unsubscribe. */
  subscribe(subscriber: LiveFeedSubscriber): () => void {
    const snapshot: LiveFeedEvent = { type: 'snapshot', calls: this.snapshot() };
    subscriber.send(new StreamEvent(snapshot));
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  snapshot(): LiveCall[] {
    return [...this.calls.values()].map((call) => ({ ...call, turns: [...call.turns] }));
  }

  /** A call's stream started (or took over a lost one: `call.turns` holds the call so far). */
  started(call: LiveCall): LiveCallTap {
    this.calls.set(call.callSid, call);
    this.publish(() => ({ type: 'call.started', call: { ...call, turns: [...call.turns] } }));
    return new CallTap(
      call,
      this.calls,
      () => this.watched,
      (event) => this.publish(event),
    );
  }

  /** Ends every reader's stream (the worker is shutting down). */
  close(): void {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of subscribers) subscriber.close();
  }

  private publish(event: () => LiveFeedEvent): void {
    if (this.subscribers.size === 0) return;
    const shared = new StreamEvent(event());
    for (const subscriber of this.subscribers) subscriber.send(shared);
  }
}

/** One call's side of the feed (its entry in the feed's map of live calls). */
class CallTap implements LiveCallTap {
  private over = false;

  constructor(
    private readonly call: LiveCall,
    private readonly calls: Map<string, LiveCall>,
    private readonly readers: () => boolean,
    private readonly publish: (event: () => LiveFeedEvent) => void,
  ) {}

  get watched(): boolean {
    return !this.over && this.readers();
  }

  current(role: 'caller' | 'agent', text: string, turnId?: number): void {
    if (!this.watched) return;
    const { callSid, accountSid } = this.call;
    const current = { role, text, ...(turnId === undefined ? {} : { turnId }) };
    this.call.current = current;
    this.publish(() => ({ type: 'call.current', callSid, accountSid, current }));
  }

  turn(turn: CallTurn): void {
    if (this.over) return;
    const { call } = this;
    call.turns.push(turn);
    if (call.turns.length > MAX_TURNS_KEPT) call.turns.shift();
    if (call.current?.role === turn.role) delete call.current;
    this.publish(() => ({ type: 'call.turn', callSid: call.callSid, accountSid: call.accountSid, turn }));
  }

  ended(): void {
    if (this.over) return;
    this.over = true;
    const { callSid, accountSid } = this.call;
    // A stream that took the call over on this worker replaced the entry: leave it.
    if (this.calls.get(callSid) === this.call) this.calls.delete(callSid);
    this.publish(() => ({ type: 'call.ended', callSid, accountSid }));
  }
}

/** The call's reports, also told to its live tap: each finished turn, and the end. */
export function tappedEvents(events: CallEvents, tap: LiveCallTap): CallEvents {
  return {
    streamStarted: (started) => events.streamStarted(started),
    turn(turn) {
      events.turn(turn);
      tap.turn(turn);
    },
    dtmf: (digits) => events.dtmf(digits),
    ended(end: StreamEnded) {
      events.ended(end);
      tap.ended();
    },
    runTool: (request) => events.runTool(request),
    flush: () => events.flush(),
  };
}
