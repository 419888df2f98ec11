import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createActivities } from '../../activities';
import type { ConfigStore } from '../config/store';
import { ConversationStore } from '../conversations/conversation-store';
import { IdentityStore } from '../customers/identity-store';
import { EventDispatcher } from '../events/dispatcher';
import { EventLog } from '../events/event-log';
import type { Logger } from '../observability/logger';
import { WebhookDeliveryLog } from '../webhooks/delivery-log';
import { CallStore } from '../voice/call-store';
import { registeredWorkflowTypes } from './workflow-types';
import { CustomerMemoryStore } from '../memory/customer-memory';
import { MessageStore } from '../memory/message-store';
import { DeliveryStatusStore } from '../messaging/delivery-status';
import { chatModelFromConfig } from '../runtime/chat-model';
import { TwilioAccounts } from '../telephony/twilio/accounts';

export interface OrchestratorDeps {
  config: ConfigStore;
  connection: NativeConnection;
  /** For starting workflows from activities (event routing). */
  client: Client;
  log: Logger;
  db: Db;
  /** Pre-bundled workflow code (tests bundle once per file); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Workflow interceptors every orchestrator runs (bundlers must include them too). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../workflows/interceptors')];

/** The worker that runs every workflow and activity of the platform. */
export async function createOrchestratorWorker(deps: OrchestratorDeps): Promise<Worker> {
  const messages = new MessageStore(deps.db);
  const events = new EventLog(deps.db);
  const deliveryStatus = new DeliveryStatusStore(deps.db);
  const webhookLog = new WebhookDeliveryLog(deps.db);
  const calls = new CallStore(deps.db);
  await Promise.all([
    messages.ensureIndexes(),
    events.ensureIndexes(),
    deliveryStatus.ensureIndexes(),
    webhookLog.ensureIndexes(),
    calls.ensureIndexes(),
  ]);
  const dispatcher = new EventDispatcher({
    temporal: deps.client,
    events,
    config: deps.config,
    log: deps.log,
    knownWorkflows: registeredWorkflowTypes(),
  });
  const activities = createActivities({
    deliveryStatus,
    identities: new IdentityStore(deps.db),
    events,
    publish: (event) => dispatcher.publish(event),
    webhookLog,
    calls,
    log: deps.log,
    config: () => deps.config.get(),
    messages,
    memory: new CustomerMemoryStore(deps.db),
    twilio: new TwilioAccounts(deps.config),
    chatModel: chatModelFromConfig(deps.config),
    conversations: new ConversationStore(deps.db),
  });
  const { namespace, taskQueue } = deps.config.get().temporal;
  return Worker.create({
    connection: deps.connection,
    namespace,
    taskQueue,
    activities,
    // A prebuilt bundle carries its interceptors (bundleWorkflowCode's workflowInterceptorModules).
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : {
          workflowsPath: require.resolve('../../workflows'),
          interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
        }),
  });
}
