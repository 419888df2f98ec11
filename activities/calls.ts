import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import { makeEvent } from '../src/events/make-event';
import type { PublishEvent } from '../src/events/publish';
import type { ConsentStore } from '../src/messaging/consent-store';
import type { MessageStore } from '../src/memory/message-store';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { callbackUrls } from '../src/telephony/twilio/callback-urls';
import type { IdentityStore } from '../src/customers/identity-store';
import { isWithheldNumber } from '../src/customers/caller-identity';
import { sendSms } from '../src/messaging/send-sms';
import { isRetryableTwilioError, twilioErrorCode, twilioFailure } from '../src/telephony/twilio/errors';
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
  type ToolOutcome,
  type ToolRequestPayload,
} from '../src/voice/call-types';
import { transferTwiml } from '../src/voice/twiml';
import type { VerificationStore } from '../src/customers/verification-store';
import type { AgentDirectory } from '../src/agents/agent-directory';
import { checkVerificationCode, sendVerificationCode } from './voice-verification';

export interface CallDeps {
  config: () => Config;
  calls: CallStore;
  messages: MessageStore;
  identities: IdentityStore;
  twilio: TwilioAccounts;
  publish: PublishEvent;
  verifications: VerificationStore;
  consent: ConsentStore;
  agents: AgentDirectory;
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
  /** A tool's Twilio call: retryable errors are retried by the activity; a refusal is told to the model. */
  async function twilioTool(
    what: string,
    action: () => Promise<unknown>,
    success: string,
    endsConversation = false,
  ): Promise<ToolOutcome> {
    try {
      await action();
      return { ok: true, result: success, ...(endsConversation ? { endsConversation } : {}) };
    } catch (error) {
      const failure = twilioFailure(error, what);
      if (!failure.nonRetryable) throw failure;
      return { ok: false, result: `Could not ${what}: ${(failure.cause ?? failure).message}` };
    }
  }

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

    async runVoiceTool(input: {
      callSid: string;
      accountSid: string;
      remote: string;
      local: string;
      /** The agent speaking when the tool was called (absent from runs before agents existed). */
      agent?: CallAgent;
      /** An old run of the call workflow may still send the legacy shape. */
      request: ToolRequestPayload;
    }): Promise<ToolOutcome> {
      const { request } = input;
      const client = deps.twilio.client(input.accountSid);
      switch (request.name) {
        case 'transfer_to_human': {
          const agent = input.agent && (await deps.agents.get(input.agent.agentId, input.agent.version));
          const to = agent ? agent.transferNumber : deps.config().voice.transferNumber;
          if (!to)
            return {
              ok: false,
              result: 'No transfer number is configured; offer to take a message or have someone call back.',
            };
          return twilioTool(
            'transfer the call',
            () =>
              client.calls(input.callSid).update({ twiml: transferTwiml(to, { callerId: input.local || undefined }) }),
            `Transferring the caller to ${to}.`,
            true,
          );
        }
        case 'end_call':
          return twilioTool(
            'hang up',
            () => client.calls(input.callSid).update({ status: 'completed' }),
            'The call has ended.',
            true,
          );
        case 'send_sms': {
          const message = typeof request.input.message === 'string' ? request.input.message.trim() : '';
          if (!message) return { ok: false, result: 'send_sms needs a non-empty message.' };
          if (isWithheldNumber(input.remote))
            return { ok: false, result: 'The caller withheld their number: no text can be sent to them.' };
          if (!input.remote.startsWith('+') || !input.local.startsWith('+'))
            return { ok: false, result: 'The caller has no textable number.' };
          // Recorded in the caller's history with a status callback, like any message we send.
          const text = {
            idempotencyKey: `sms:${input.callSid}:${toolCallIdOf(request)}`,
            customerId: await deps.identities.resolve(input.accountSid, input.remote),
            accountSid: input.accountSid,
            from: input.local,
            to: input.remote,
            body: message,
          };
          return twilioTool(
            'send the text',
            () => sendSms(deps, text, 'send the text'),
            `Text sent to ${input.remote}.`,
          );
        }
        case 'send_verification_code':
          return sendVerificationCode(deps, input);
        case 'check_verification_code':
          return checkVerificationCode(deps, input);
        case 'handoff_to_agent':
          return handOff(deps.agents, request.input, input.agent);
        default:
          throw ApplicationFailure.nonRetryable(`unknown voice tool ${String(request.name)}`, 'UnknownTool');
      }
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
  current: CallAgent | undefined,
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
