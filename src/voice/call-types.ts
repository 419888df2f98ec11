/**
 * What the realtime worker and the gateway tell a call's workflow (`call-<CallSid>`), as plain
 * JSON (signal and update payloads). Deterministic-safe: types and constants only.
 */
import type { ToolRoute } from '../agents/tool-calls';
import type { CallerTrust } from '../customers/caller-trust';
import type { CallStatus, RecordingEventData } from '../events/catalog';
import type { Citation } from '../knowledge/citations';

/** Where one reply's time went, in milliseconds (measured in the realtime worker). */
export interface TurnLatency {
  /** The caller's last voiced audio frame → the first frame of the reply sent to Twilio. */
  endOfSpeechToFirstAudioMs: number;
  /** Last voiced frame → final transcript received (endpointing silence + finalization). */
  sttMs: number;
  /** Request sent → first token. */
  llmFirstTokenMs: number;
  /** Request sent → first speakable chunk complete. */
  llmFirstChunkMs: number;
  /** First chunk sent to TTS → first audio byte back. */
  ttsFirstByteMs: number;
  /** What the pipeline itself added: the total minus the providers' parts. */
  overheadMs: number;
}

export interface CallTurn {
  /** Increments per reply cycle; the caller's turn n is answered by the agent's turn n. */
  turnId: number;
  role: 'caller' | 'agent';
  /** For the agent: only what the caller actually heard (barge-in trims the rest). */
  text: string;
  at: string;
  /** The agent was cut off by the caller. */
  interrupted?: boolean;
  /** Keypad input rather than speech. */
  source?: 'speech' | 'dtmf';
  latency?: TurnLatency;
  /** For the agent: which agent spoke (calls can be handed from one agent to another). */
  agentId?: string;
  /** For the agent: the knowledge chunks the reply cited (retrieved for the turn, or found by `search_knowledge`). */
  citations?: Citation[];
  /** For the agent: how knowledge was retrieved for the turn before the model was asked (see speculative-retrieval.ts). */
  retrieval?: TurnRetrieval;
  /** For the agent: the tools the model called during the turn and what they answered (absent from earlier releases). */
  tools?: TurnToolCall[];
}

/** One tool call of an agent turn, as the operator's call page shows it (bounded: see agent-turn.ts). */
export interface TurnToolCall {
  toolCallId: string;
  name: string;
  input: Record<string, unknown>;
  result: string;
  ok: boolean;
  /** When the tool answered. */
  at: string;
}

/** A turn's retrieval: how the passages were had, how many, and how long the reply waited for them. */
export interface TurnRetrieval {
  outcome: 'speculative' | 'fresh' | 'late' | 'none' | 'failed';
  passages: number;
  waitedMs: number;
  searchMs?: number;
}

export interface StreamStarted {
  callSid: string;
  accountSid: string;
  streamSid: string;
  customerId: string;
  /** The caller (inbound) or the person we called (outbound). */
  remote: string;
  /** Our number. */
  local: string;
  direction: string;
  at: string;
  /** How far the caller's number is trusted (from the signed stream token); absent from earlier releases: unverified. */
  trust?: CallerTrust;
  /** The agent answering, at the version pinned when the call was answered (absent from older realtime workers). */
  agentId?: string;
  agentVersion?: number;
  /** Which of the call's streams this is: 0 (absent) the first, n the n-th that took over from a lost one. */
  seq?: number;
}

/** An agent that took part in a call, from when (the first answered; each handoff adds one). */
export interface CallAgent {
  agentId: string;
  version: number;
  at: string;
}

/** The two ends of a call: the person on the line (`remote`) and our number (`local`). */
export interface CallParties {
  remote: string;
  local: string;
}

/**
 * Who the remote party of a call is: the caller (`From`) of an inbound call, the callee (`To`) of one
 * we placed (Twilio's `Direction` is `outbound-api` for those, `outbound-dial` for a <Dial> leg).
 * The one rule for the customer, the stream, the call record, the tools and the events.
 */
export function callParties(call: { direction?: string; from?: string; to?: string }): CallParties {
  const from = call.from ?? '';
  const to = call.to ?? '';
  return call.direction?.startsWith('outbound') ? { remote: to, local: from } : { remote: from, local: to };
}

/** A call's ends both ways: Twilio's `from`/`to`, and who is who (`remote`, `local`), with Twilio's direction. */
export interface CallEnds extends CallParties {
  from: string;
  to: string;
  direction?: string;
}

/**
 * A call's ends from what its workflow learned: Twilio's From/To when a status callback carried them, else rebuilt
 * from the stream's parties (the inverse of {@link callParties}); the parties from the stream when it started.
 */
export function callEnds(known: {
  stream?: Pick<StreamStarted, 'remote' | 'local' | 'direction'>;
  status?: Pick<CallStatusUpdate, 'from' | 'to' | 'direction'>;
}): CallEnds {
  const { stream, status } = known;
  const direction = status?.direction ?? stream?.direction;
  const outbound = direction?.startsWith('outbound') ?? false;
  const from = status?.from || (stream ? (outbound ? stream.local : stream.remote) : '');
  const to = status?.to || (stream ? (outbound ? stream.remote : stream.local) : '');
  const { remote, local } = stream ?? callParties({ from, to, ...(direction ? { direction } : {}) });
  return { from, to, remote, local, ...(direction ? { direction } : {}) };
}

export interface StreamEnded {
  /**
   * `stop`: Twilio ended the stream (hang-up or transfer); `socket_closed`: the connection died;
   * `handover`: a draining worker closed it so that another worker takes the call over.
   */
  reason: 'stop' | 'socket_closed' | 'error' | 'handover';
  at: string;
  /** The stream that ended (absent from earlier releases): a late report of a replaced stream is ignored. */
  streamSid?: string;
}

export interface CallStatusUpdate {
  status: CallStatus;
  /** Twilio's SequenceNumber: callbacks can arrive out of order. */
  sequenceNumber?: number;
  at: string;
  durationSeconds?: number;
  from?: string;
  to?: string;
  direction?: string;
}

/** A Twilio recording status callback's news, as the gateway passes it on (`in-progress`, then one final status). */
export type CallRecordingUpdate = Omit<RecordingEventData, 'callSid'> & { at: string };

/** Recording callbacks can arrive out of order and twice: a final status is never replaced by `in-progress`. */
export const RECORDING_STATUS_RANK: Record<CallRecordingUpdate['status'], number> = {
  'in-progress': 0,
  completed: 1,
  absent: 1,
  failed: 1,
};

export interface ToolRequest {
  /** The model's tool-use id: the idempotency key (a retried update runs the tool once). */
  toolCallId: string;
  /** A built-in tool's name (or `transfer_to_human`, from realtime workers of earlier releases), or an external tool's. */
  name: string;
  input: Record<string, unknown>;
  /** Where the tool the model was offered runs; absent from earlier releases, which offered built-ins only. */
  route?: ToolRoute;
  /** False for an external tool that must not be retried. */
  repeatSafe?: boolean;
  /** `search_knowledge`: the number its first passage takes (passages the turn has shown hold the lower ones). */
  firstPassageNumber?: number;
}

/** A {@link ToolRequest} as realtime workers sent it before `toolCallId` (in flight during a deploy). */
export interface LegacyToolRequest extends Omit<ToolRequest, 'toolCallId'> {
  /** @deprecated The model's tool-use id; read it through {@link toolCallIdOf}. */
  callId: string;
}

/** The runTool update's argument, and the voice tool activity's request: either shape. */
export type ToolRequestPayload = ToolRequest | LegacyToolRequest;

export function toolCallIdOf(request: ToolRequestPayload): string {
  return 'toolCallId' in request ? request.toolCallId : request.callId;
}

export type CallOutcome =
  'completed' | 'transferred' | 'agent_ended' | 'dropped' | 'no_answer' | 'busy' | 'failed' | 'canceled';

export const TERMINAL_CALL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

/** Progress order of call statuses: a late-arriving earlier status never moves a call back. */
export const CALL_STATUS_RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  failed: 4,
  'no-answer': 4,
  canceled: 4,
};
