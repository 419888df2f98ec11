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
  ToolRequestPayload,
} from '../../src/voice/call-types';
import type { ToolOutcome } from '../../src/agents/tool-calls';

export const CALL_WORKFLOW = 'callWorkflow';

export interface CallWorkflowInput {
  callSid: string;
  accountSid: string;
  /** Production leaves it unset; tests and operators may shorten it. */
  timings?: CallWorkflowTimings;
}

export interface CallWorkflowTimings {
  /** After the stream ends, how long the final status callback may take (default 30 seconds). */
  statusGrace?: Duration;
  /** A call with no final status and no stream end is closed after this (default 2 hours). */
  abandonedAfter?: Duration;
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
}

export const callStatusSignal = defineSignal<[CallStatusUpdate]>('callStatus');
export const streamStartedSignal = defineSignal<[StreamStarted]>('streamStarted');
export const turnSignal = defineSignal<[CallTurn]>('turn');
export const dtmfSignal = defineSignal<[{ digits: string; at: string }]>('dtmf');
export const streamEndedSignal = defineSignal<[StreamEnded]>('streamEnded');
/** A recording status callback (the gateway has stored it already: it must survive this workflow's end). */
export const recordingSignal = defineSignal<[CallRecordingUpdate]>('recording');
/**
 * Tools: an update, so the result flows back into the conversation; its id is the tool-call id, so
 * a retried update runs the tool once. Any built-in (and the legacy `transfer_to_human`) or a routed
 * external tool. Accepts the legacy request shape too: an update sent by a realtime worker from before `toolCallId`.
 */
export const runToolUpdate = defineUpdate<ToolOutcome, [ToolRequestPayload]>('runTool');
export const callStateQuery = defineQuery<CallState>('callState');
