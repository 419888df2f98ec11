import type { Request, Response } from 'express';
import twilio from 'twilio';
import type { Client } from '@temporalio/client';
import type { AgentDirectory } from '../agents/agent-directory';
import type { ConfigStore } from '../config/store';
import { callCustomerAddress, isWithheldNumber } from '../customers/caller-identity';
import { callerTrust } from '../customers/caller-trust';
import type { IdentityStore } from '../customers/identity-store';
import type { Logger } from '../observability/logger';
import { callParties, TERMINAL_CALL_STATUSES } from '../voice/call-types';
import { streamAnswerTwiml } from '../voice/stream-answer';
import { refuseCallTwiml } from '../voice/twiml';
import {
  callStateQuery,
  callWorkflowId,
  streamLostSignal,
  type CallState,
  type CallWorkflow,
} from '../../workflows/call/contract';
import type { RealtimeWorkers } from './realtime-workers';
import { callWebhookOr400 } from './workflow-handoff';

/** Streams one call may have: a worker that keeps failing must not keep the caller in a reconnect loop. */
const MAX_STREAMS_PER_CALL = 20;
/** Reconnects tried while no realtime worker answers its readiness probe. */
const UNPROBED_TRIES = 2;
/** The gateway answers Twilio well within its webhook timeout even when Temporal is slow. */
const STATE_TIMEOUT_MS = 2_000;
/** Said when a lost stream cannot be given to another worker. */
const CANNOT_RESUME_LINE = "Sorry, we lost the connection and can't continue the call right now. Please call back.";

export interface StreamEndedDeps {
  config: ConfigStore;
  identities: IdentityStore;
  temporal: Client;
  agents: AgentDirectory;
  workers: RealtimeWorkers;
  log: Logger;
}

/**
 * The `<Connect>` action: Twilio asks it when a call's stream ended without the caller hanging up
 * (the realtime worker was killed or drained, the pass-through broke, a worker refused the stream).
 * A call still going on gets a fresh `<Connect><Stream>` with the next single-use token (a worker
 * that takes it says a resumption line, not the greeting); a call that is over, or that no worker
 * can take, gets a polite line and `<Hangup/>` (the call's workflow then records it `dropped`).
 */
export function streamEndedRoute(deps: StreamEndedDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const config = deps.config.get();
    const parsed = callWebhookOr400(req, res, config);
    if (!parsed) return;
    const { call, account } = parsed;
    const twiml = (body: string) => res.type('text/xml').send(body);
    // The caller hung up while the stream was ending: nothing to resume.
    if (TERMINAL_CALL_STATUSES.includes(call.status)) {
      twiml(new twilio.twiml.VoiceResponse().toString());
      return;
    }
    const log = deps.log.child({ callSid: call.callSid });
    const endedSeq = Number(req.query.seq);
    const seq = (Number.isInteger(endedSeq) && endedSeq >= 0 ? endedSeq : 0) + 1;
    // Asked together: the caller hears silence until the new stream speaks.
    const [state, availability] = await Promise.all([
      callState(deps.temporal, call.callSid).catch((error: unknown) => {
        // Temporal slow or away: the call resumes on what Twilio and the stores say, without its workflow's view.
        log.warn({ err: error }, "could not read the call's state; resuming it without");
        return undefined;
      }),
      deps.workers.availability(),
    ]);
    if (state === 'over' || state?.outcome === 'transferred' || state?.outcome === 'agent_ended') {
      log.info('stream ended on a call that is over: hanging up');
      twiml(refuseCallTwiml(''));
      return;
    }
    const giveUp = async (reason: string) => {
      log.warn({ reason, seq }, 'a lost stream could not be resumed: the call is dropped');
      await deps.temporal.workflow
        .getHandle<CallWorkflow>(callWorkflowId(call.callSid))
        .signal(streamLostSignal, { at: new Date().toISOString(), reason })
        .catch((error: unknown) => log.error({ err: error }, 'could not record the lost stream'));
      twiml(refuseCallTwiml(CANNOT_RESUME_LINE));
    };
    if (seq >= MAX_STREAMS_PER_CALL) return giveUp(`the call had ${MAX_STREAMS_PER_CALL} streams`);
    if (availability === 'refusing') return giveUp('every realtime worker is full or draining');
    // No worker answers its probe (all down, or reachable only another way): a few tries, not a loop.
    if (availability === 'unknown' && seq > UNPROBED_TRIES) return giveUp('no realtime worker answers');
    try {
      const stream = state?.stream;
      const { remote, local } = callParties(call);
      const direction = call.direction ?? stream?.direction ?? 'inbound';
      const customerId =
        stream?.customerId ??
        (await deps.identities.resolve(call.accountSid, callCustomerAddress(call.callSid, remote)));
      const trust = state?.verifiedByCode
        ? 'verified'
        : (stream?.trust ??
          callerTrust({
            direction,
            stirVerstat: call.stirVerstat,
            withheld: isWithheldNumber(remote),
            requireVerification: config.voice.requireVerification,
          }));
      // The agent speaking when the stream was lost (after any handoff), at its pinned version.
      const speaking = state?.agents.at(-1);
      const agent = speaking
        ? { agentId: speaking.agentId, agentVersion: speaking.version }
        : await deps.agents
            .forLine(call.accountSid, local, 'voice')
            .then(({ agent: a }) => ({ agentId: a.id, agentVersion: a.version }));
      const answer = streamAnswerTwiml(
        config,
        account.authToken,
        {
          callSid: call.callSid,
          accountSid: call.accountSid,
          customerId,
          from: call.from,
          to: call.to,
          direction,
          trust,
          ...agent,
        },
        seq,
      );
      log.info({ seq, ...agent }, 'stream lost: reconnecting the call to a realtime worker');
      twiml(answer);
    } catch (error) {
      log.error({ err: error }, 'could not reconnect the call');
      await giveUp('the reconnect could not be prepared');
    }
  };
}

/** The call's workflow's view, or `over` when the call's workflow has finished; rejects when Temporal does not answer in time. */
async function callState(temporal: Client, callSid: string): Promise<CallState | 'over'> {
  const handle = temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STATE_TIMEOUT_MS} ms`)), STATE_TIMEOUT_MS);
  });
  try {
    const query = handle.query(callStateQuery);
    // A finished call's workflow may still answer queries: whether it runs is what counts.
    query.catch(() => undefined);
    const described = await Promise.race([handle.describe(), deadline]);
    if (described.status.name !== 'RUNNING') return 'over';
    return await Promise.race([query, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
