import { ApplicationFailure } from '@temporalio/activity';
import { isWithheldNumber } from '../src/customers/caller-identity';
import { makeEvent } from '../src/events/make-event';
import { callbackUrls } from '../src/telephony/twilio/callback-urls';
import { isRetryableTwilioError, twilioErrorCode } from '../src/telephony/twilio/errors';
import type { CallStore } from '../src/voice/call-store';
import {
  callEnds,
  toolCallIdOf,
  type CallAgent,
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
import type { AgentDirectory } from '../src/agents/agent-directory';

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
  /** The agents that spoke, in order (absent from runs before agents existed). */
  agents?: CallAgent[];
  /** Streams that took over from a lost one (absent from runs before calls survived workers). */
  reconnects?: number;
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
        ...(turn.agentId ? { agentId: turn.agentId } : {}),
        ...(turn.citations?.length ? { citations: turn.citations } : {}),
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
      /** The agent speaking when the tool was called (absent from runs before agents existed). */
      agent?: Pick<CallAgent, 'agentId' | 'version'>;
      /** An old run of the call workflow may still send the legacy shape. */
      request: ToolRequestPayload;
    }): Promise<ToolOutcome> {
      const { request } = input;
      const name = builtInToolNamed(request.name);
      if (name === 'handoff_to_agent') return handOff(deps.agents, request.input, input.agent);
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
          ...(input.agent ? { agent: { agentId: input.agent.agentId, version: input.agent.version } } : {}),
        },
        deps,
      );
    },

    /**
     * `handoff_to_agent` on a call: the named agent exists (at its current version, pinned from now
     * on); the call workflow lists it and the realtime worker speaks as it from the next turn.
     */
    async handOffCall(input: {
      input: Record<string, unknown>;
      current?: { agentId: string; version: number };
    }): Promise<ToolOutcome> {
      return handOff(deps.agents, input.input, input.current);
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
            ...(input.reconnects !== undefined ? { reconnects: input.reconnects } : {}),
            ...(input.stream ? { durationMs: endedAt.getTime() - new Date(input.stream.at).getTime() } : {}),
            ...(input.agents?.length
              ? { agentId: input.agents[0]!.agentId, agentVersion: input.agents[0]!.version, agents: input.agents }
              : {}),
          },
        }),
      );
    },
  };
}

/**
 * `handoff_to_agent` on a call: checks the agent exists and pins its current version; the realtime
 * worker switches to it from the caller's next turn, the call workflow lists it in the call record.
 */
async function handOff(
  agents: AgentDirectory,
  input: Record<string, unknown>,
  current: Pick<CallAgent, 'agentId'> | undefined,
): Promise<ToolOutcome> {
  const agentId = typeof input.agentId === 'string' ? input.agentId.trim() : '';
  if (!agentId) return { ok: false, result: 'handoff_to_agent needs the agentId of the agent to hand over to.' };
  if (agentId === current?.agentId) return { ok: false, result: `You are ${agentId} already; carry on yourself.` };
  const agent = await agents.get(agentId);
  if (!agent)
    return {
      ok: false,
      result: `There is no agent "${agentId}". Carry on yourself, or name an agent your instructions mention.`,
    };
  return {
    ok: true,
    result: `Handed off to ${agent.name}. From the caller's next words, ${agent.name} answers.`,
    handoff: { agentId: agent.id, version: agent.version, name: agent.name },
  };
}
