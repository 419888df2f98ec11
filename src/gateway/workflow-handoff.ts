import type { Response } from 'express';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { ZodError } from 'zod';
import type { Config } from '../config/schema';
import type { InboundMessage } from '../messaging/inbound';
import { AccountSidKey, ChannelKey, CustomerIdKey, EventTypeKey } from '../temporal/search-attributes';
import { customerWorkflow, inboundMessageSignal } from '../../workflows/customer';

export function customerWorkflowId(customerId: string): string {
  return `customer-${customerId}`;
}

/** Queues a customer's message on their workflow, starting it if needed (same for SMS, WhatsApp, Conversations). */
export async function signalCustomerWorkflow(
  temporal: Client,
  config: Config,
  customerId: string,
  message: InboundMessage,
): Promise<void> {
  await temporal.workflow.signalWithStart(customerWorkflow, {
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

/**
 * Starts the workflow that handles one provider event, at most once per id: even after the first
 * run completed, a redelivery is a no-op ('duplicate'). Other failures are thrown.
 */
export async function startOncePerEvent<W extends Workflow>(
  temporal: Client,
  workflow: W,
  options: { workflowId: string; taskQueue: string; args: Parameters<W>; accountSid: string; eventType: string },
): Promise<'started' | 'duplicate'> {
  try {
    await temporal.workflow.start(workflow, {
      workflowId: options.workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      taskQueue: options.taskQueue,
      args: options.args,
      typedSearchAttributes: [
        { key: AccountSidKey, value: options.accountSid },
        { key: EventTypeKey, value: options.eventType },
      ],
      // Callers are checked against Parameters<W>; the SDK's conditional args type cannot see that.
    } as unknown as WorkflowStartOptions<W>);
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw error;
  }
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
