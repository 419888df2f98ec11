import { Router } from 'express';
import type { Client } from '@temporalio/client';
import twilio from 'twilio';
import { ZodError } from 'zod';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import { parseInboundMessage, type FormParams } from '../messaging/inbound';
import type { Logger } from '../observability/logger';
import { AccountSidKey, ChannelKey, CustomerIdKey } from '../temporal/search-attributes';
import { customerWorkflow, inboundMessageSignal } from '../../workflows/customer';

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

/** Inbound SMS/MMS/WhatsApp: hand the message to the customer's workflow and acknowledge fast. */
export function messagingRoutes(deps: MessagingRouteDeps): Router {
  const router = Router();
  router.post('/inbound', async (req, res) => {
    let message;
    try {
      message = parseInboundMessage(req.body as FormParams);
    } catch (error) {
      const detail = error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error);
      res.status(400).type('text/plain').send(`Bad inbound message: ${detail}`);
      return;
    }
    try {
      const customerId = await deps.identities.resolve(message.from);
      await deps.temporal.workflow.signalWithStart(customerWorkflow, {
        workflowId: customerWorkflowId(customerId),
        taskQueue: deps.config.get().temporal.taskQueue,
        args: [{ customerId }],
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
  return router;
}
