import { Router } from 'express';
import type { Client } from '@temporalio/client';
import twilio from 'twilio';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import { parseInboundMessage, type FormParams } from '../messaging/inbound';
import { parseStatusCallback } from '../messaging/status-callback';
import { sendKeyOf } from '../telephony/twilio/send-key';
import type { Logger } from '../observability/logger';
import type { EventDispatcher } from '../events/dispatcher';
import { messageReceivedEvent } from '../events/message-received';
import { startOnce } from '../temporal/start-once';
import { eventSearchAttributes } from '../temporal/search-attributes';
import {
  MESSAGE_STATUS_WORKFLOW,
  messageStatusWorkflowId,
  type MessageStatusWorkflow,
} from '../../workflows/message-status/contract';
import { answerUnavailable, parsedOr400, signalCustomerWorkflow } from './workflow-handoff';

export interface MessagingRouteDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  dispatcher: EventDispatcher;
  log: Logger;
}

const EMPTY_TWIML = new twilio.twiml.MessagingResponse().toString();

/** Inbound SMS/MMS/WhatsApp and their delivery status: handed to workflows, acknowledged fast. */
export function messagingRoutes(deps: MessagingRouteDeps): Router {
  const router = Router();
  router.post('/inbound', async (req, res) => {
    const message = parsedOr400(res, () => parseInboundMessage(req.body as FormParams));
    if (!message) return;
    try {
      const customerId = await deps.identities.resolve(message.accountSid, message.from);
      await signalCustomerWorkflow(deps.temporal, deps.config.get(), customerId, message);
      // After the signal: a failure here is answered 503, and Twilio's retry is deduped by both.
      await deps.dispatcher.publish(messageReceivedEvent(message, customerId));
      deps.log.info({ messageSid: message.messageSid, customerId, channel: message.channel }, 'inbound message queued');
      res.type('text/xml').send(EMPTY_TWIML);
    } catch (error) {
      deps.log.error({ err: error, messageSid: message.messageSid }, 'could not hand inbound message to Temporal');
      answerUnavailable(res);
    }
  });

  router.post('/status', async (req, res) => {
    const callback = parsedOr400(res, () =>
      parseStatusCallback(req.body as FormParams, new Date(), sendKeyOf(req.query)),
    );
    if (!callback) return;
    try {
      await startOnce<MessageStatusWorkflow>(deps.temporal, {
        workflowType: MESSAGE_STATUS_WORKFLOW,
        workflowId: messageStatusWorkflowId(callback),
        taskQueue: deps.config.get().temporal.taskQueue,
        args: [callback],
        searchAttributes: eventSearchAttributes(callback.accountSid, `message.${callback.status}`),
      });
      res.status(204).end();
    } catch (error) {
      deps.log.error({ err: error, messageSid: callback.messageSid }, 'could not hand status callback to Temporal');
      answerUnavailable(res);
    }
  });
  return router;
}
