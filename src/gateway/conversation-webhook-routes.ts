import { Router, type Response } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { ZodError } from 'zod';
import type { ConfigStore } from '../config/store';
import type { ConversationEvent } from '../conversations/events';
import { toInboundMessage } from '../conversations/inbound-message';
import { decidePreEvent } from '../conversations/pre-events';
import { parseConversationWebhook, type ConversationMessageAdded, type ConversationPreEvent } from '../conversations/webhook';
import type { IdentityStore } from '../customers/identity-store';
import type { FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import { AccountSidKey, ChannelKey, CustomerIdKey, EventTypeKey } from '../temporal/search-attributes';
import { conversationEventWorkflow, conversationEventWorkflowId } from '../../workflows/conversation-event';
import { customerWorkflow, inboundMessageSignal } from '../../workflows/customer';
import { customerWorkflowId } from './messaging-routes';

export interface ConversationWebhookDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  log: Logger;
}

function badWebhook(res: Response, error: unknown): void {
  const detail = error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`).join('; ') : String(error);
  // Twilio does not retry a 4xx: garbage stays garbage.
  res.status(400).type('text/plain').send(`Bad webhook: ${detail}`);
}

/** Twilio waits for this answer before applying the change, so it is immediate and starts nothing. */
function answerPreEvent(res: Response, preEvent: ConversationPreEvent, log: Logger): void {
  const decision = decidePreEvent(preEvent);
  if (decision.allow) {
    res.status(200).end();
    return;
  }
  log.info({ eventType: preEvent.eventType, conversationSid: preEvent.conversationSid, reason: decision.reason }, 'vetoed Conversations change');
  res.status(decision.status).type('text/plain').send(decision.reason);
}

/** A customer wrote in a Conversation: their customer workflow answers it, like an SMS. */
async function handOverMessage(deps: ConversationWebhookDeps, message: ConversationMessageAdded, res: Response): Promise<void> {
  const config = deps.config.get();
  const decision = toInboundMessage(message, {
    agentIdentity: config.conversations.agentIdentity,
    staffIdentities: config.escalation.humanIdentity ? [config.escalation.humanIdentity] : [],
    now: new Date(),
  });
  if ('ignored' in decision) {
    deps.log.debug({ messageSid: message.messageSid, conversationSid: message.conversationSid, reason: decision.ignored }, 'Conversations message not answered');
    res.status(200).end();
    return;
  }
  const { inbound, droppedMedia } = decision;
  if (droppedMedia > 0) deps.log.warn({ messageSid: inbound.messageSid, droppedMedia }, 'media without ChatServiceSid cannot be fetched; answering the text only');
  try {
    const customerId = await deps.identities.resolve(inbound.from);
    await deps.temporal.workflow.signalWithStart(customerWorkflow, {
      workflowId: customerWorkflowId(customerId),
      taskQueue: config.temporal.taskQueue,
      args: [{ customerId, maxMessagesPerRun: config.messaging.maxMessagesPerRun }],
      signal: inboundMessageSignal,
      signalArgs: [inbound],
      typedSearchAttributes: [
        { key: CustomerIdKey, value: customerId },
        { key: ChannelKey, value: inbound.channel },
        { key: AccountSidKey, value: inbound.accountSid },
      ],
    });
    deps.log.info({ messageSid: inbound.messageSid, conversationSid: inbound.conversationSid, customerId }, 'Conversations message queued');
    res.status(200).end();
  } catch (error) {
    // 503 makes Twilio retry; the customer workflow drops a MessageSid it has already seen.
    deps.log.error({ err: error, messageSid: inbound.messageSid }, 'could not hand Conversations message to Temporal');
    res.status(503).type('text/plain').send('Temporarily unavailable');
  }
}

/** Lifecycle/participant/delivery events: one workflow per event id, so a redelivery is a no-op. */
async function recordEvent(deps: ConversationWebhookDeps, event: ConversationEvent, res: Response): Promise<void> {
  try {
    await deps.temporal.workflow.start(conversationEventWorkflow, {
      workflowId: conversationEventWorkflowId(event),
      // Even after the first run completed, a redelivery must not run again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      taskQueue: deps.config.get().temporal.taskQueue,
      args: [event],
      typedSearchAttributes: [
        { key: AccountSidKey, value: event.accountSid },
        { key: EventTypeKey, value: event.type },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      deps.log.error({ err: error, eventId: event.id }, 'could not hand Conversations event to Temporal');
      res.status(503).type('text/plain').send('Temporarily unavailable');
      return;
    }
    // A redelivered webhook: already recorded or being recorded.
  }
  res.status(200).end();
}

/** `POST /twilio/conversations/events`: every Conversations webhook (pre- and post-events) of the service. */
export function conversationWebhookRoutes(deps: ConversationWebhookDeps): Router {
  const router = Router();
  router.post('/events', async (req, res) => {
    let webhook;
    try {
      webhook = parseConversationWebhook(req.body as FormParams);
    } catch (error) {
      badWebhook(res, error);
      return;
    }
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
