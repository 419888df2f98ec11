/**
 * The call workflow's contract: its type name, id, input, result, signals, update and query.
 * The gateway, the realtime worker and the tests import this, never the workflow itself.
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CallAgent,
  CallOutcome,
  CallRecordingUpdate,
  CallStatusUpdate,
  CallTurn,
  StreamEnded,
  StreamStarted,
  ToolRequest,
  ToolRequestPayload,
} from '../../src/voice/call-types';
import type { ToolOutcome } from '../../src/agents/tool-calls';

export const CALL_WORKFLOW = 'callWorkflow';

export interface CallWorkflowInput {
  callSid: string;
  accountSid: string;
  /** Production leaves it unset; tests and operators may shorten it. */
  timings?: CallWorkflowTimings;
  /** A live call's state, carried over by continue-as-new (absent from the call's first run). */
  carried?: CarriedCallState;
}

export interface CallWorkflowTimings {
  /** After the stream ends, how long the final status callback may take (default 30 seconds). */
  statusGrace?: Duration;
  /**
   * A call with no final status and no stream end is closed after this (default 2 hours): since its
   * start for runs from before calls survived workers, since its latest news (any signal) for later ones.
   */
  abandonedAfter?: Duration;
  /** A live call continues as new after this many turns in one run (default 400), or when Temporal suggests it. */
  continueAfterTurns?: number;
}

/** A turn as the call's workflow remembers it for a worker that takes the call over (the latest few). */
export interface HeardTurn {
  turnId: number;
  role: 'caller' | 'agent';
  text: string;
  interrupted?: boolean;
}

/** A tool call that had not answered yet: a worker taking the call over asks for its answer again (same id: run once). */
export interface ToolInFlight {
  toolCallId: string;
  name: string;
  route?: ToolRequest['route'];
}

/** What one run of a live call hands to the next (continue-as-new). */
export interface CarriedCallState {
  status?: CallStatusUpdate;
  stream?: StreamStarted;
  liveStreamSid?: string;
  turns: number;
  dtmf: string[];
  outcomeHint?: CallOutcome;
  recordings: CallRecordingUpdate[];
  agents: CallAgent[];
  handoffs: string[];
  verifiedByCode: boolean;
  recordedStart: boolean;
  streams: number;
  reconnects: number;
  lost: boolean;
  transcript: HeardTurn[];
  /** The latest tool answers, so a tool call retried across the boundary still runs once. */
  answeredTools: Array<[string, ToolOutcome]>;
  /** When the call's first run started (the call record's start). */
  startedAt: string;
}

export interface CallResult {
  outcome: CallOutcome;
  turns: number;
}

export type CallWorkflow = (input: CallWorkflowInput) => Promise<CallResult>;

/** `call-<CallSid>`: one workflow per phone call. */
export function callWorkflowId(callSid: string): string {
  return `call-${callSid}`;
}

export interface CallState {
  status?: CallStatusUpdate;
  stream?: StreamStarted;
  ended?: StreamEnded;
  turns: number;
  dtmf: string[];
  outcome?: CallOutcome;
  recordings: CallRecordingUpdate[];
  /** The agents that spoke, in order (the one that answered, then each handoff's). */
  agents: CallAgent[];
  /** Media streams the call has had (absent from runs before calls survived workers). */
  streams?: number;
  /** Streams that took over from a lost one (a worker crash or deploy). */
  reconnects?: number;
  /** A lost stream could not be resumed: the call is recorded as dropped. */
  lost?: boolean;
  /** The caller confirmed a verification code on this call. */
  verifiedByCode?: boolean;
  /** The latest turns heard on the call, oldest first: what a worker that takes the call over restores. */
  transcript?: HeardTurn[];
  /** Tools asked for that have not answered yet. */
  toolsInFlight?: ToolInFlight[];
}

export const callStatusSignal = defineSignal<[CallStatusUpdate]>('callStatus');
export const streamStartedSignal = defineSignal<[StreamStarted]>('streamStarted');
export const turnSignal = defineSignal<[CallTurn]>('turn');
export const dtmfSignal = defineSignal<[{ digits: string; at: string }]>('dtmf');
export const streamEndedSignal = defineSignal<[StreamEnded]>('streamEnded');
/** A recording status callback (the gateway has stored it already: it must survive this workflow's end). */
/** The gateway could not give a lost stream to another worker (none live, or the call was over): the call is dropped. */
export const streamLostSignal = defineSignal<[{ at: string; reason: string }]>('streamLost');
export const recordingSignal = defineSignal<[CallRecordingUpdate]>('recording');
/**
 * Tools: an update, so the result flows back into the conversation; its id is the tool-call id, so
 * a retried update runs the tool once. Any built-in (and the legacy `transfer_to_human`) or a routed
 * external tool. Accepts the legacy request shape too: an update sent by a realtime worker from before `toolCallId`.
 */
export const runToolUpdate = defineUpdate<ToolOutcome, [ToolRequestPayload]>('runTool');
export const callStateQuery = defineQuery<CallState>('callState');
