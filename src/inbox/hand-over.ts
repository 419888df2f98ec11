import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import { callCustomerAddress } from '../customers/caller-identity';
import { messageReceivedEvent } from '../events/message-received';
import type { PublishEvent } from '../events/publish';
import type { Config } from '../config/schema';
import type { InboundMessage } from '../messaging/inbound';
import { AccountSidKey, ChannelKey, CustomerIdKey, eventSearchAttributes } from '../temporal/search-attributes';
import { startOnce } from '../temporal/start-once';
import { signalCallWorkflow } from '../voice/call-signals';
import type { CallStore } from '../voice/call-store';
import { callParties } from '../voice/call-types';
import { callStatusEvent } from '../voice/webhooks';
import { callStatusSignal, callWorkflowId, recordingSignal, type CallWorkflow } from '../../workflows/call/contract';
import {
  CONVERSATION_EVENT_WORKFLOW,
  conversationEventWorkflowId,
  type ConversationEventWorkflow,
} from '../../workflows/conversation-event/contract';
import {
  MESSAGE_STATUS_WORKFLOW,
  messageStatusWorkflowId,
  type MessageStatusWorkflow,
} from '../../workflows/message-status/contract';
import {
  CUSTOMER_WORKFLOW,
  customerWorkflowId,
  inboundMessageSignal,
  type CustomerWorkflow,
} from '../../workflows/customer/contract';
import type { AcceptedWebhook } from './accepted-webhook';

/**
 * Queues a customer's message on their workflow, starting it if needed (same for SMS, WhatsApp,
 * Conversations). Not "once": an idle customer workflow completes, and the next message starts a new run.
 */
async function signalCustomerWorkflow(
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

export interface HandOverDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  calls: CallStore;
  publish: PublishEvent;
}

/** Makes a webhook durable in Temporal, once from the gateway or again from the inbox relay. */
export type HandOver = (webhook: AcceptedWebhook) => Promise<void>;

/**
 * What each webhook does, signal and event together: the webhook counts as handed over only when
 * both are durable (an event published after an acknowledged signal could be lost with the process).
 * Every step is idempotent by Twilio's ids (signals deduped by sid, starts and events by id), so
 * doing it all again — a Twilio retry, or the relay after a half-finished attempt — acts once.
 */
export function createHandOver(deps: HandOverDeps): HandOver {
  return async (webhook) => {
    const config = deps.config.get();
    switch (webhook.kind) {
      case 'inbound-message': {
        const { message } = webhook;
        const customerId = await deps.identities.resolve(message.accountSid, message.from);
        await signalCustomerWorkflow(deps.temporal, config, customerId, message);
        await deps.publish(messageReceivedEvent(message, customerId));
        return;
      }
      case 'message-status': {
        const { callback } = webhook;
        await startOnce<MessageStatusWorkflow>(deps.temporal, {
          workflowType: MESSAGE_STATUS_WORKFLOW,
          workflowId: messageStatusWorkflowId(callback),
          taskQueue: config.temporal.taskQueue,
          args: [callback],
          searchAttributes: eventSearchAttributes(callback.accountSid, `message.${callback.status}`),
        });
        return;
      }
      case 'conversation-event': {
        const { event } = webhook;
        await startOnce<ConversationEventWorkflow>(deps.temporal, {
          workflowType: CONVERSATION_EVENT_WORKFLOW,
          workflowId: conversationEventWorkflowId(event),
          taskQueue: config.temporal.taskQueue,
          args: [event],
          searchAttributes: eventSearchAttributes(event.accountSid, event.type),
        });
        return;
      }
      case 'call-status': {
        const { call } = webhook;
        const { remote } = callParties(call);
        const customerId = await deps.identities.find(call.accountSid, callCustomerAddress(call.callSid, remote));
        await signalCallWorkflow(deps.temporal, config.temporal.taskQueue, call, callStatusSignal, [
          {
            status: call.status,
            at: call.occurredAt,
            ...(call.sequenceNumber !== undefined ? { sequenceNumber: call.sequenceNumber } : {}),
            ...(call.durationSeconds !== undefined ? { durationSeconds: call.durationSeconds } : {}),
            from: call.from,
            to: call.to,
            ...(call.direction ? { direction: call.direction } : {}),
          },
        ]);
        await deps.publish(callStatusEvent(call, customerId));
        return;
      }
      case 'recording': {
        const { event } = webhook;
        const { callSid, ...recording } = event.data;
        const call = { callSid, accountSid: event.accountSid };
        const update = { ...recording, at: event.occurredAt };
        // Stored by the gateway itself (insert-only, so a redelivery adds nothing): the completed
        // callback usually comes after the call's workflow has finished, and a signal accepted
        // just as that workflow completes could otherwise go unrecorded.
        await deps.calls.addRecording(call, update);
        // The live call's workflow learns of it too. A plain signal, not signal-with-start: news of
        // a recording must never start a workflow for a call that is long over.
        await deps.temporal.workflow
          .getHandle<CallWorkflow>(callWorkflowId(callSid))
          .signal(recordingSignal, update)
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          });
        await deps.publish(event);
        return;
      }
    }
  };
}
