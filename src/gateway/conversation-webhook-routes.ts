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
import type { IdentityStore } from '../customers/identity-store';
import type { FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import type { EventDispatcher } from '../events/dispatcher';
import { messageReceivedEvent } from '../events/message-received';
import type { Client } from '@temporalio/client';
import { eventSearchAttributes } from '../temporal/search-attributes';
import { startOnce } from '../temporal/start-once';
import {
  CONVERSATION_EVENT_WORKFLOW,
  conversationEventWorkflowId,
  type ConversationEventWorkflow,
} from '../../workflows/conversation-event/contract';
import { answerUnavailable, parsedOr400, signalCustomerWorkflow } from './workflow-handoff';

export interface ConversationWebhookDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  dispatcher: EventDispatcher;
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
  try {
    const customerId = await deps.identities.resolve(inbound.accountSid, inbound.from);
    await signalCustomerWorkflow(deps.temporal, config, customerId, inbound);
    await deps.dispatcher.publish(messageReceivedEvent(inbound, customerId));
    deps.log.info(
      { messageSid: inbound.messageSid, conversationSid: inbound.conversationSid, customerId },
      'Conversations message queued',
    );
    res.status(200).end();
  } catch (error) {
    deps.log.error({ err: error, messageSid: inbound.messageSid }, 'could not hand Conversations message to Temporal');
    answerUnavailable(res);
  }
}

/** Lifecycle/participant/delivery events: one workflow per event id, so a redelivery is a no-op. */
async function recordEvent(deps: ConversationWebhookDeps, event: ConversationEvent, res: Response): Promise<void> {
  try {
    await startOnce<ConversationEventWorkflow>(deps.temporal, {
      workflowType: CONVERSATION_EVENT_WORKFLOW,
      workflowId: conversationEventWorkflowId(event),
      taskQueue: deps.config.get().temporal.taskQueue,
      args: [event],
      searchAttributes: eventSearchAttributes(event.accountSid, event.type),
    });
    res.status(200).end();
  } catch (error) {
    deps.log.error({ err: error, eventId: event.id }, 'could not hand Conversations event to Temporal');
    answerUnavailable(res);
  }
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
