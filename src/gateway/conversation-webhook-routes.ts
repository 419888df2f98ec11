import { Router, type Response } from 'express';
import type { ConfigStore } from '../config/store';
import type { ConversationEvent } from '../conversations/events';
import { toInboundMessage } from '../conversations/inbound-message';
import { decidePreEvent } from '../conversations/pre-events';
import {
  parseConversationWebhook,
  type ConversationMessageAdded,
  type ConversationPreEvent,
} from '../conversations/webhook';
import type { FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import type { DurableAcceptance } from '../inbox/durable-acceptance';
import { acceptThenAnswer, parsedOr400 } from './workflow-handoff';

export interface ConversationWebhookDeps {
  config: ConfigStore;
  acceptance: DurableAcceptance;
  log: Logger;
}

/** Twilio waits for this answer before applying the change, so it is immediate and starts nothing. */
function answerPreEvent(res: Response, preEvent: ConversationPreEvent, log: Logger): void {
  const decision = decidePreEvent(preEvent);
  if (decision.allow) {
    res.status(200).end();
    return;
  }
  log.info(
    { eventType: preEvent.eventType, conversationSid: preEvent.conversationSid, reason: decision.reason },
    'vetoed Conversations change',
  );
  res.status(decision.status).type('text/plain').send(decision.reason);
}

/** A customer wrote in a Conversation: their customer workflow answers it, like an SMS. */
async function handOverMessage(
  deps: ConversationWebhookDeps,
  message: ConversationMessageAdded,
  res: Response,
): Promise<void> {
  const config = deps.config.get();
  const decision = toInboundMessage(message, {
    agentIdentity: config.conversations.agentIdentity,
    staffIdentities: config.escalation.humanIdentity ? [config.escalation.humanIdentity] : [],
    now: new Date(),
  });
  if ('ignored' in decision) {
    deps.log.debug(
      { messageSid: message.messageSid, conversationSid: message.conversationSid, reason: decision.ignored },
      'Conversations message not answered',
    );
    res.status(200).end();
    return;
  }
  const { inbound, droppedMedia } = decision;
  if (droppedMedia > 0)
    deps.log.warn(
      { messageSid: inbound.messageSid, droppedMedia },
      'media without ChatServiceSid cannot be fetched; answering the text only',
    );
  await acceptThenAnswer(deps.acceptance, { kind: 'inbound-message', message: inbound }, res, deps.log, () => {
    deps.log.info(
      { messageSid: inbound.messageSid, conversationSid: inbound.conversationSid },
      'Conversations message accepted',
    );
    res.status(200).end();
  });
}

/** Lifecycle/participant/delivery events: one workflow per event id, so a redelivery is a no-op. */
async function recordEvent(deps: ConversationWebhookDeps, event: ConversationEvent, res: Response): Promise<void> {
  await acceptThenAnswer(deps.acceptance, { kind: 'conversation-event', event }, res, deps.log, () => {
    res.status(200).end();
  });
}

/** `POST /twilio/conversations/events`: every Conversations webhook (pre- and post-events) of the service. */
export function conversationWebhookRoutes(deps: ConversationWebhookDeps): Router {
  const router = Router();
  router.post('/events', async (req, res) => {
    const webhook = parsedOr400(res, () => parseConversationWebhook(req.body as FormParams));
    if (!webhook) return;
    switch (webhook.kind) {
      case 'pre-event':
        return answerPreEvent(res, webhook.preEvent, deps.log);
      case 'message-added':
        return handOverMessage(deps, webhook.message, res);
      case 'recorded':
        return recordEvent(deps, webhook.event, res);
      case 'not-handled':
        deps.log.debug({ eventType: webhook.eventType }, 'Conversations event acknowledged, not handled');
        res.status(200).end();
        return;
    }
  });
  return router;
}
