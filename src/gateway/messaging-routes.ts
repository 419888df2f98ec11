import { Router, type Response } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import twilio from 'twilio';
import { ZodError } from 'zod';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import { parseInboundMessage, type FormParams } from '../messaging/inbound';
import { parseStatusCallback } from '../messaging/status-callback';
import type { Logger } from '../observability/logger';
import { AccountSidKey, ChannelKey, CustomerIdKey, EventTypeKey } from '../temporal/search-attributes';
import { customerWorkflow, inboundMessageSignal } from '../../workflows/customer';
import { messageStatusWorkflow, messageStatusWorkflowId } from '../../workflows/message-status';

export interface MessagingRouteDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  log: Logger;
}

export function customerWorkflowId(customerId: string): string {
  return `customer-${customerId}`;
}

const EMPTY_TWIML = new twilio.twiml.MessagingResponse().toString();

/** Parses a webhook form, or answers 400 naming the bad fields (Twilio will not retry a 4xx). */
function parseOr400<T>(res: Response, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    const detail = error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error);
    res.status(400).type('text/plain').send(`Bad webhook: ${detail}`);
    return undefined;
  }
}

/** Inbound SMS/MMS/WhatsApp: hand the message to the customer's workflow and acknowledge fast. */
export function messagingRoutes(deps: MessagingRouteDeps): Router {
  const router = Router();
  router.post('/inbound', async (req, res) => {
    const message = parseOr400(res, () => parseInboundMessage(req.body as FormParams));
    if (!message) return;
    try {
      const customerId = await deps.identities.resolve(message.from);
      await deps.temporal.workflow.signalWithStart(customerWorkflow, {
        workflowId: customerWorkflowId(customerId),
        taskQueue: deps.config.get().temporal.taskQueue,
        args: [{ customerId, maxMessagesPerRun: deps.config.get().messaging.maxMessagesPerRun }],
        signal: inboundMessageSignal,
        signalArgs: [message],
        typedSearchAttributes: [
          { key: CustomerIdKey, value: customerId },
          { key: ChannelKey, value: message.channel },
          { key: AccountSidKey, value: message.accountSid },
        ],
      });
      deps.log.info({ messageSid: message.messageSid, customerId, channel: message.channel }, 'inbound message queued');
      res.type('text/xml').send(EMPTY_TWIML);
    } catch (error) {
      // 503 makes Twilio retry later; the workflow dedupes the retry by MessageSid.
      deps.log.error({ err: error, messageSid: message.messageSid }, 'could not hand inbound message to Temporal');
      res.status(503).type('text/plain').send('Temporarily unavailable');
    }
  });

  router.post('/status', async (req, res) => {
    const callback = parseOr400(res, () => parseStatusCallback(req.body as FormParams));
    if (!callback) return;
    try {
      await deps.temporal.workflow.start(messageStatusWorkflow, {
        workflowId: messageStatusWorkflowId(callback),
        // Even after the first run completed, a redelivery must not run again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        taskQueue: deps.config.get().temporal.taskQueue,
        args: [callback],
        typedSearchAttributes: [
          { key: AccountSidKey, value: callback.accountSid },
          { key: EventTypeKey, value: `message.${callback.status}` },
        ],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        deps.log.error({ err: error, messageSid: callback.messageSid }, 'could not hand status callback to Temporal');
        res.status(503).type('text/plain').send('Temporarily unavailable');
        return;
      }
      // A redelivered callback: already being handled.
    }
    res.status(204).end();
  });
  return router;
}
