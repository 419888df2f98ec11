import { ApplicationFailure } from '@temporalio/activity';
import { isWithheldNumber } from '../src/customers/caller-identity';
import { makeEvent } from '../src/events/make-event';
import { callbackUrls } from '../src/telephony/twilio/callback-urls';
import { isRetryableTwilioError, twilioErrorCode } from '../src/telephony/twilio/errors';
import type { CallStore } from '../src/voice/call-store';
import {
  callEnds,
  toolCallIdOf,
  type CallOutcome,
  type CallStatusUpdate,
  type CallTurn,
  type StreamEnded,
  type StreamStarted,
  type ToolRequestPayload,
} from '../src/voice/call-types';
import { builtInToolNamed, type ToolOutcome } from '../src/agents/tool-calls';
import type { ToolDeps } from '../src/agents/tools/built-in-tool';
import { BUILT_IN_TOOL_CATALOGUE } from '../src/agents/tools/catalogue';
import { runBuiltInTool } from './tools';

export interface CallDeps extends ToolDeps {
  calls: CallStore;
}

export interface FinalizeCallInput {
  callSid: string;
  accountSid: string;
  stream?: StreamStarted;
  status?: CallStatusUpdate;
  ended?: StreamEnded;
  outcome: CallOutcome;
  turns: number;
  dtmf: string[];
  startedAt: string;
}

export type StartRecordingResult =
  | { status: 'started' | 'already-recording'; recordingSid: string }
  /** `voice.record` is off. */
  | { status: 'off' }
  /** Twilio said no (the call already ended, ...): the call goes on unrecorded. */
  | { status: 'refused'; reason: string };

/** What Twilio reports about a recording (in-progress, completed or absent) goes to `/twilio/voice/recording`. */
const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'];

export function createCallActivities(deps: CallDeps) {
  return {
    async recordCallStart(input: { callSid: string; stream: StreamStarted }): Promise<void> {
      await deps.calls.start(input.stream);
    },

    /**
     * One turn, durable as soon as it is said: in the call's transcript and in the customer's
     * history (channel `voice`), so their next SMS or call knows what was said.
     */
    async recordCallTurn(input: {
      callSid: string;
      accountSid: string;
      customerId?: string;
      remote: string;
      local: string;
      turn: CallTurn;
    }): Promise<void> {
      const { turn } = input;
      await deps.calls.addTurn(input.callSid, input.customerId, turn);
      if (!input.customerId || !turn.text.trim()) return;
      const caller = turn.role === 'caller';
      await deps.messages.recordOnce({
        id: `call:${input.callSid}:${turn.turnId}:${turn.role}`,
        customerId: input.customerId,
        accountSid: input.accountSid,
        direction: caller ? 'inbound' : 'outbound',
        channel: 'voice',
        from: caller ? input.remote : input.local,
        to: caller ? input.local : input.remote,
        body: turn.interrupted ? `${turn.text} [interrupted by the caller]` : turn.text,
        status: caller ? 'received' : 'spoken',
        createdAt: new Date(turn.at),
      });
    },

    /**
     * Records a live inbound call through the Recordings API (outbound calls are recorded by their
     * create request). Reads the live configuration, so `voice.record` can be switched without a
     * restart. A retried attempt whose earlier create went through (response lost, timed out)
     * finds that recording in the call's list and starts no second one.
     */
    async startCallRecording(input: { callSid: string; accountSid: string }): Promise<StartRecordingResult> {
      const config = deps.config();
      if (!config.voice.record) return { status: 'off' };
      const recordings = deps.twilio.client(input.accountSid).calls(input.callSid).recordings;
      try {
        const [existing] = await recordings.list({ limit: 1 });
        if (existing) return { status: 'already-recording', recordingSid: existing.sid };
        const created = await recordings.create({
          recordingStatusCallback: callbackUrls(config, input.accountSid).recordingStatus,
          recordingStatusCallbackEvent: RECORDING_EVENTS,
          // Caller and agent on separate channels: each side can be transcribed or reviewed on its own.
          recordingChannels: 'dual',
        });
        return { status: 'started', recordingSid: created.sid };
      } catch (error) {
        if (isRetryableTwilioError(error)) throw error;
        return {
          status: 'refused',
          reason: `Twilio ${twilioErrorCode(error) ?? 'error'}: ${(error as Error).message}`,
        };
      }
    },

    /**
     * The voice tools as the call workflow ran them before the tool catalogue (one activity for
     * all): kept for calls in flight across the upgrade and for replays of their histories. New
     * runs schedule `tool_<name>` instead.
     */
    async runVoiceTool(input: {
      callSid: string;
      accountSid: string;
      remote: string;
      local: string;
      /** An old run of the call workflow may still send the legacy shape. */
      request: ToolRequestPayload;
    }): Promise<ToolOutcome> {
      const { request } = input;
      const name = builtInToolNamed(request.name);
      if (!name) throw ApplicationFailure.nonRetryable(`unknown voice tool ${String(request.name)}`, 'UnknownTool');
      return runBuiltInTool(
        BUILT_IN_TOOL_CATALOGUE[name],
        request.input,
        {
          channel: 'voice',
          callSid: input.callSid,
          accountSid: input.accountSid,
          customerId: '',
          customerAddress: input.remote,
          agentAddress: input.local,
          toolCallId: toolCallIdOf(request),
          // Those runs offered no customer lookup: nothing personal is handed out on their word.
          callerVerified: false,
        },
        deps,
      );
    },

    /** The call record, then `call.ended` with the outcome (routed to bindings and webhooks like any event). */
    async finalizeCall(input: FinalizeCallInput): Promise<void> {
      await deps.calls.finish(input);
      const endedAt = new Date(input.ended?.at ?? input.status?.at ?? Date.now());
      // The parties, so a workflow bound to call.ended can text the caller without looking the call up.
      const ends = callEnds(input);
      await deps.publish(
        makeEvent('call.ended', {
          id: `call.ended:${input.callSid}`,
          source: 'beluga',
          occurredAt: endedAt,
          accountSid: input.accountSid,
          ...(input.stream ? { customerId: input.stream.customerId } : {}),
          data: {
            callSid: input.callSid,
            ...(input.stream ? { customerId: input.stream.customerId } : {}),
            ...ends,
            ...(isWithheldNumber(ends.remote) ? { remoteWithheld: true } : {}),
            outcome: input.outcome,
            turns: input.turns,
            ...(input.stream ? { durationMs: endedAt.getTime() - new Date(input.stream.at).getTime() } : {}),
          },
        }),
      );
    },
  };
}
