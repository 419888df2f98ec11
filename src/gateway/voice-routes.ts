import { Router } from 'express';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { DurableAcceptance } from '../inbox/durable-acceptance';
import type { FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import { streamToken } from '../voice/stream-token';
import { connectStreamTwiml, refuseCallTwiml } from '../voice/twiml';
import type { AgentDirectory } from '../agents/agent-directory';
import { recordedByCreateRequest } from '../voice/answer-url';
import { parseCallWebhook, parseRecordingEvent } from '../voice/webhooks';
import { acceptThenAnswer, answerBadWebhook, answerUnavailable, parsedOr400 } from './workflow-handoff';
import { callParties } from '../voice/call-types';
import { callCustomerAddress, isWithheldNumber } from '../customers/caller-identity';
import { callerTrust } from '../customers/caller-trust';

export interface VoiceRouteDeps {
  config: ConfigStore;
  identities: IdentityStore;
  /** Status and recording callbacks are acknowledged once durable (Temporal or the inbox). */
  acceptance: DurableAcceptance;
  /** Who answers each line, and whether it takes calls. */
  agents: AgentDirectory;
  log: Logger;
}

/** A stream token outlives any reasonable gap between the TwiML answer and Twilio's WebSocket connect. */
const STREAM_TOKEN_TTL_SECONDS = 300;

/** Voice webhooks: the incoming call's TwiML, call progress and recording callbacks. */
export function voiceRoutes(deps: VoiceRouteDeps): Router {
  const router = Router();

  router.post('/incoming', async (req, res) => {
    const call = parsedOr400(res, () => parseCallWebhook(req.body as FormParams));
    if (!call) return;
    const config = deps.config.get();
    const account = config.twilio.accounts.find((a) => a.accountSid === call.accountSid);
    // The signature middleware already required a configured account; this keeps types honest.
    if (!account) {
      answerBadWebhook(res, new Error(`account ${call.accountSid} is not configured`));
      return;
    }
    try {
      // The person on the line (the callee of a call we placed); a withheld number gets a customer of this call alone.
      const { remote, local } = callParties(call);
      const direction = call.direction ?? 'inbound';
      const { route, agent } = await deps.agents.forLine(call.accountSid, local, 'voice');
      // A line switched off takes no new calls (calls already on it carry on); calls we place are not refused here.
      if (!route.enabled && !direction.startsWith('outbound')) {
        deps.log.info({ callSid: call.callSid, line: local }, 'incoming call refused: voice is off for this line');
        res.type('text/xml').send(refuseCallTwiml(route.disabledMessage ?? ''));
        return;
      }
      const customerId = await deps.identities.resolve(call.accountSid, callCustomerAddress(call.callSid, remote));
      const expires = Math.floor(Date.now() / 1000) + STREAM_TOKEN_TTL_SECONDS;
      // Who is calling travels signed inside the token; the plain parameters only repeat it (the
      // realtime worker refuses a stream whose parameters disagree with its token).
      const identity = { customerId, from: call.from, to: call.to, direction };
      const trust = callerTrust({
        direction: identity.direction,
        stirVerstat: call.stirVerstat,
        withheld: isWithheldNumber(remote),
        requireVerification: config.voice.requireVerification,
      });
      // A call we placed says in its answer URL whether its create request records it.
      const recorded = recordedByCreateRequest(req.query);
      const token = streamToken(account.authToken, {
        ...identity,
        trust,
        ...(recorded !== undefined ? { recorded } : {}),
        callSid: call.callSid,
        accountSid: call.accountSid,
        // Pinned for the whole call: an edit of the agent applies to the calls after this one.
        agentId: agent.id,
        agentVersion: agent.version,
        expiresAt: expires,
      });
      const twiml = connectStreamTwiml({
        publicUrl: config.publicUrl,
        ...(config.voice.mediaStreamUrl ? { streamUrl: config.voice.mediaStreamUrl } : {}),
        parameters: { ...identity, token },
      });
      deps.log.info(
        {
          callSid: call.callSid,
          customerId,
          trust,
          agentId: agent.id,
          agentVersion: agent.version,
          ...(recorded !== undefined ? { recorded } : {}),
        },
        'incoming call answered with a media stream',
      );
      res.type('text/xml').send(twiml);
    } catch (error) {
      deps.log.error({ err: error, callSid: call.callSid }, 'could not answer the incoming call');
      answerUnavailable(res);
    }
  });

  router.post('/status', async (req, res) => {
    const call = parsedOr400(res, () => parseCallWebhook(req.body as FormParams));
    if (!call) return;
    await acceptThenAnswer(deps.acceptance, { kind: 'call-status', call }, res, deps.log, () => {
      res.status(204).end();
    });
  });

  router.post('/recording', async (req, res) => {
    const event = parsedOr400(res, () => parseRecordingEvent(req.body as FormParams));
    if (!event) return;
    await acceptThenAnswer(deps.acceptance, { kind: 'recording', event }, res, deps.log, () => {
      res.status(204).end();
    });
  });
  return router;
}
