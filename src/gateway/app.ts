import express, { type Express } from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { Db, MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { Logger } from '../observability/logger';
import { createMetrics, PROMETHEUS_CONTENT_TYPE, type Metrics } from '../observability/metrics';
import { CustomerMemoryStore } from '../memory/customer-memory';
import { MessageStore } from '../memory/message-store';
import { DeliveryStatusStore } from '../messaging/delivery-status';
import { ConversationStore } from '../conversations/conversation-store';
import { conversationApiRoutes } from './conversation-api-routes';
import { conversationWebhookRoutes } from './conversation-webhook-routes';
import { customerRoutes } from './customer-routes';
import { checkHealth } from './health';
import { operatorApi } from './operator-api';
import { messagingRoutes } from './messaging-routes';
import { requireTwilioSignature } from './twilio-webhook';
import { traceTwilioWebhooks } from './trace-requests';
import { voiceRoutes } from './voice-routes';
import { callRoutes } from './call-routes';
import { CallStore } from '../voice/call-store';
import { EventDispatcher } from '../events/dispatcher';
import { EventLog } from '../events/event-log';
import { registeredWorkflowTypes } from '../orchestrator/workflow-types';

export interface GatewayDeps {
  config: ConfigStore;
  temporal: Client;
  temporalConnection: Connection;
  mongo: MongoClient;
  db: Db;
  identities: IdentityStore;
  log: Logger;
  /** Served at GET /metrics; the gateway makes its own when not given. */
  metrics?: Metrics;
}

/** The stateless HTTP edge: Twilio webhooks become workflow starts/signals; health for operators. */
export function createGatewayApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Twilio's trusted proxies/tunnels terminate TLS in front of us; signatures use PUBLIC_URL anyway.
  app.set('trust proxy', true);

  const metrics = deps.metrics ?? createMetrics('gateway');
  const dispatcher = new EventDispatcher({
    temporal: deps.temporal,
    events: new EventLog(deps.db),
    config: deps.config,
    log: deps.log,
    knownWorkflows: registeredWorkflowTypes(),
    metrics: metrics.events,
  });
  const routeDeps = { ...deps, dispatcher };

  const twilioRoutes = express.Router();
  twilioRoutes.use(express.urlencoded({ extended: false, limit: '1mb' }));
  twilioRoutes.use(traceTwilioWebhooks());
  twilioRoutes.use(requireTwilioSignature(deps.config, deps.log));
  twilioRoutes.use('/messaging', messagingRoutes(routeDeps));
  twilioRoutes.use('/conversations', conversationWebhookRoutes(routeDeps));
  twilioRoutes.use('/voice', voiceRoutes(routeDeps));
  app.use('/twilio', twilioRoutes);

  app.use(
    '/api',
    operatorApi(deps.config, [
      customerRoutes({
        identities: deps.identities,
        messages: new MessageStore(deps.db),
        memory: new CustomerMemoryStore(deps.db),
        deliveryStatus: new DeliveryStatusStore(deps.db),
        log: deps.log,
      }),
      conversationApiRoutes({
        config: deps.config,
        temporal: deps.temporal,
        conversations: new ConversationStore(deps.db),
        log: deps.log,
      }),
      callRoutes({
        config: deps.config,
        temporal: deps.temporal,
        calls: new CallStore(deps.db),
        messages: new MessageStore(deps.db),
        log: deps.log,
      }),
    ]),
  );

  app.get('/health', async (_req, res) => {
    const report = await checkHealth({ config: deps.config, temporal: deps.temporalConnection, mongo: deps.mongo });
    res.status(report.status === 'unhealthy' ? 503 : 200).json(report);
  });

  // Prometheus scrapes this; unauthenticated like /health, so keep labels free of customer data.
  app.get('/metrics', async (_req, res) => {
    res.type(PROMETHEUS_CONTENT_TYPE).send(await metrics.render());
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
