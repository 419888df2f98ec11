import type { Response } from 'express';
import type { Client } from '@temporalio/client';
import { ZodError } from 'zod';
import type { Config } from '../config/schema';
import type { InboundMessage } from '../messaging/inbound';
import { AccountSidKey, ChannelKey, CustomerIdKey } from '../temporal/search-attributes';
import {
  CUSTOMER_WORKFLOW,
  customerWorkflowId,
  inboundMessageSignal,
  type CustomerWorkflow,
} from '../../workflows/customer/contract';

/**
 * Queues a customer's message on their workflow, starting it if needed (same for SMS, WhatsApp,
 * Conversations). Not "once": an idle customer workflow completes, and the next message starts a new run.
 */
export async function signalCustomerWorkflow(
  temporal: Client,
  config: Config,
  customerId: string,
  message: InboundMessage,
): Promise<void> {
  await temporal.workflow.signalWithStart<CustomerWorkflow, [InboundMessage]>(CUSTOMER_WORKFLOW, {
    workflowId: customerWorkflowId(customerId),
    taskQueue: config.temporal.taskQueue,
    args: [{ customerId, maxMessagesPerRun: config.messaging.maxMessagesPerRun }],
    signal: inboundMessageSignal,
    signalArgs: [message],
    typedSearchAttributes: [
      { key: CustomerIdKey, value: customerId },
      { key: ChannelKey, value: message.channel },
      { key: AccountSidKey, value: message.accountSid },
    ],
  });
}

/** The parsed webhook, or undefined after answering 400 naming the bad fields. */
export function parsedOr400<T>(res: Response, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    answerBadWebhook(res, error);
    return undefined;
  }
}

/** 400 naming the bad fields (Twilio does not retry a 4xx: garbage stays garbage). */
export function answerBadWebhook(res: Response, error: unknown): void {
  const detail =
    error instanceof ZodError
      ? error.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`).join('; ')
      : String(error);
  res.status(400).type('text/plain').send(`Bad webhook: ${detail}`);
}

/** Temporal did not take the work: 503 makes Twilio retry later; the workflows dedupe the retry. */
export function answerUnavailable(res: Response): void {
  res.status(503).type('text/plain').send('Temporarily unavailable');
}
