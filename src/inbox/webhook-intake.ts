import type { Client, Connection } from '@temporalio/client';
import type { ConfigStore } from '../config/store';
import { EventDispatcher } from '../events/dispatcher';
import type { Logger } from '../observability/logger';
import type { EventMetrics } from '../observability/metrics';
import { registeredWorkflowTypes } from '../orchestrator/workflow-types';
import type { Stores } from '../storage/stores';
import { DurableAcceptance, type AcceptanceOptions } from './durable-acceptance';
import { createHandOver } from './hand-over';
import { InboxRelay, type InboxRelayOptions } from './inbox-relay';

/** How the gateway takes Twilio webhooks: acceptance on the request path, and the relay that drains the inbox. */
export interface WebhookIntake {
  acceptance: DurableAcceptance;
  relay: InboxRelay;
}

export function createWebhookIntake(deps: {
  config: ConfigStore;
  temporal: Client;
  temporalConnection: Pick<Connection, 'withDeadline'>;
  stores: Pick<Stores, 'events' | 'identities' | 'calls' | 'webhookInbox'>;
  log: Logger;
  metrics?: EventMetrics;
  acceptance?: AcceptanceOptions;
  relay?: Partial<InboxRelayOptions>;
}): WebhookIntake {
  const dispatcher = new EventDispatcher({
    temporal: deps.temporal,
    events: deps.stores.events,
    config: deps.config,
    log: deps.log,
    knownWorkflows: registeredWorkflowTypes(),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const handOver = createHandOver({
    config: deps.config,
    temporal: deps.temporal,
    identities: deps.stores.identities,
    calls: deps.stores.calls,
    publish: (event) => dispatcher.publish(event),
  });
  const inbox = deps.stores.webhookInbox;
  const relay = new InboxRelay({
    inbox,
    handOver,
    temporal: deps.temporalConnection,
    log: deps.log,
    ...(deps.relay ? { options: deps.relay } : {}),
  });
  const acceptance = new DurableAcceptance({
    handOver,
    inbox,
    temporal: deps.temporalConnection,
    log: deps.log,
    onStored: () => relay.nudge(),
    ...(deps.acceptance ? { options: deps.acceptance } : {}),
  });
  return { acceptance, relay };
}
