import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { DurableAcceptance } from '../inbox/durable-acceptance';
import type { FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import { refuseCallTwiml } from '../voice/twiml';
import { streamAnswerTwiml } from '../voice/stream-answer';
import { RealtimeWorkers } from './realtime-workers';
import { streamEndedRoute } from './stream-ended-route';
import type { AgentDirectory } from '../agents/agent-directory';
import { recordedByCreateRequest } from '../voice/answer-url';
import { parseCallWebhook, parseRecordingEvent } from '../voice/webhooks';
import { acceptThenAnswer, answerUnavailable, callWebhookOr400, parsedOr400 } from './workflow-handoff';
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
  /** A lost stream's reconnect reads the call's state from its workflow. */
  temporal: Client;
  log: Logger;
}

/** Voice webhooks: the incoming call's TwiML, call progress and recording callbacks, a lost stream's reconnect. */
export function voiceRoutes(deps: VoiceRouteDeps): Router {
  const router = Router();
  const workers = new RealtimeWorkers(() => deps.config.get());
  router.post('/stream-ended', streamEndedRoute({ ...deps, workers }));

  router.post('/incoming', async (req, res) => {
    const config = deps.config.get();
    const parsed = callWebhookOr400(req, res, config);
    if (!parsed) return;
    const { call, account } = parsed;
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
      // Every realtime worker says it is full or draining: a polite line rather than a stream nobody takes.
      if ((await workers.availability()) === 'refusing') {
        deps.log.warn({ callSid: call.callSid }, 'incoming call refused: every realtime worker is full or draining');
        res.type('text/xml').send(refuseCallTwiml(config.voice.busyLine));
        return;
      }
      const customerId = await deps.identities.resolve(call.accountSid, callCustomerAddress(call.callSid, remote));
      const identity = { customerId, from: call.from, to: call.to, direction };
      const trust = callerTrust({
        direction: identity.direction,
        stirVerstat: call.stirVerstat,
        withheld: isWithheldNumber(remote),
        requireVerification: config.voice.requireVerification,
      });
      // A call we placed says in its answer URL whether its create request records it.
      const recorded = recordedByCreateRequest(req.query);
      const twiml = streamAnswerTwiml(config, account.authToken, {
        ...identity,
        trust,
        ...(recorded !== undefined ? { recorded } : {}),
        callSid: call.callSid,
        accountSid: call.accountSid,
        // Pinned for the whole call: an edit of the agent applies to the calls after this one.
        agentId: agent.id,
        agentVersion: agent.version,
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
