import express, { type Express } from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { Stores } from '../storage/stores';
import { createMetrics, PROMETHEUS_CONTENT_TYPE, type Metrics } from '../observability/metrics';
import { conversationApiRoutes } from './conversation-api-routes';
import { conversationWebhookRoutes } from './conversation-webhook-routes';
import { customerRoutes } from './customer-routes';
import { customerForgetRoutes } from './customer-forget-routes';
import { customerHistoryRoutes } from './customer-history-routes';
import { takeoverRoutes } from './takeover-routes';
import { CustomerCalls } from '../customers/customer-calls';
import { gatewayHealth } from './health';
import type { Knowledge } from '../knowledge/knowledge';
import type { HealthOptions } from '../health/options';
import { httpStatusOf } from '../health/status';
import { operatorApi } from './operator-api';
import { IdempotencyKeyStore } from './idempotency-keys';
import { messagingRoutes } from './messaging-routes';
import { requireTwilioSignature } from './twilio-webhook';
import { traceTwilioWebhooks } from './trace-requests';
import { voiceRoutes } from './voice-routes';
import { callRoutes } from './call-routes';
import { consentRoutes } from './consent-routes';
import { agentRoutes } from './agent-routes';
import { knowledgeRoutes } from './knowledge-routes';
import { searchRoutes } from './search-routes';
import { consoleStatic } from './console-static';
import { StoredAgentDirectory } from '../agents/stored-agent-directory';
import { AgentModels } from '../agents/agent-models';
import { createWebhookIntake, type WebhookIntake } from '../inbox/webhook-intake';
import { operatorAccess } from './operator-access';
import { operatorRoutes } from './operator-routes';
import { LiveHub, type WaitingSource } from './live-hub';
import { liveRoutes } from './live-routes';

export interface GatewayDeps {
  config: ConfigStore;
  temporal: Client;
  temporalConnection: Connection;
  /** For /health only. */
  mongo: MongoClient;
  stores: Stores;
  log: Logger;
  /** Served at GET /metrics; the gateway makes its own when not given. */
  metrics?: Metrics;
  /**
   * How webhooks are made durable; the process that runs the gateway starts and stops its relay.
   * Made here when not given (then nothing drains the inbox: tests that do not need it).
   */
  intake?: WebhookIntake;
  /** Thresholds and cache times of /health (tests shorten them). */
  health?: HealthOptions;
  /** The process's knowledge store (operator search; reported by /health). Absent only in tests that need none. */
  knowledge?: Knowledge;
  /** The built console served at /console (default: dist/console; tests point it elsewhere). */
  consoleDir?: string;
  /**
   * The live view of the realtime workers' calls (`GET /api/live`); the process closes it at shutdown.
   * Made here when not given (its subscriptions open with the first viewer and close after the last).
   */
  live?: LiveHub;
  /** The conversations waiting for a person, for the hub made here (the takeover store); default none. */
  liveWaiting?: WaitingSource;
}

/** The stateless HTTP edge: Twilio webhooks become workflow starts/signals; health for operators. */
export function createGatewayApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Twilio's trusted proxies/tunnels terminate TLS in front of us; signatures use PUBLIC_URL anyway.
  app.set('trust proxy', true);

  const metrics = deps.metrics ?? createMetrics('gateway');
  const { stores } = deps;
  const intake =
    deps.intake ??
    createWebhookIntake({
      config: deps.config,
      temporal: deps.temporal,
      temporalConnection: deps.temporalConnection,
      stores,
      log: deps.log,
      metrics: metrics.events,
    });
  // Who answers each line: the file's agents synced into the store, the operator's edits read back.
  const agents = new StoredAgentDirectory(stores.agents, deps.config);
  const routeDeps = { config: deps.config, acceptance: intake.acceptance, log: deps.log };
  // Operators, their keys and sessions, and the audit log: who may use /api, and what they did.
  const access = operatorAccess(deps.mongo.db(deps.config.get().mongodb.database), deps.log);
  const live =
    deps.live ??
    new LiveHub({ config: deps.config, log: deps.log, ...(deps.liveWaiting ? { waiting: deps.liveWaiting } : {}) });

  const twilioRoutes = express.Router();
  twilioRoutes.use(express.urlencoded({ extended: false, limit: '1mb' }));
  twilioRoutes.use(traceTwilioWebhooks());
  twilioRoutes.use(requireTwilioSignature(deps.config, deps.log));
  twilioRoutes.use('/messaging', messagingRoutes(routeDeps));
  twilioRoutes.use('/conversations', conversationWebhookRoutes(routeDeps));
  twilioRoutes.use(
    '/voice',
    voiceRoutes({ ...routeDeps, identities: stores.identities, agents, temporal: deps.temporal }),
  );
  app.use('/twilio', twilioRoutes);

  app.use(
    '/api',
    operatorApi(
      deps.config,
      [
        operatorRoutes({ config: deps.config, access, log: deps.log }),
        customerRoutes({
          config: deps.config,
          identities: stores.identities,
          messages: stores.messages,
          memory: stores.memory,
          deliveryStatus: stores.deliveryStatus,
          consent: stores.consent,
          takeovers: stores.takeovers,
          log: deps.log,
        }),
        customerHistoryRoutes({
          identities: stores.identities,
          messages: stores.messages,
          calls: new CustomerCalls(deps.mongo.db(deps.config.get().mongodb.database)),
          deliveryStatus: stores.deliveryStatus,
          takeovers: stores.takeovers,
          log: deps.log,
        }),
        takeoverRoutes({
          config: deps.config,
          temporal: deps.temporal,
          identities: stores.identities,
          takeovers: stores.takeovers,
          log: deps.log,
        }),
        customerForgetRoutes({
          config: deps.config,
          temporal: deps.temporal,
          identities: stores.identities,
          customerRecords: stores.customerRecords,
          log: deps.log,
        }),
        conversationApiRoutes({
          config: deps.config,
          temporal: deps.temporal,
          conversations: stores.conversations,
          log: deps.log,
        }),
        callRoutes({
          config: deps.config,
          temporal: deps.temporal,
          calls: stores.calls,
          messages: stores.messages,
          log: deps.log,
        }),
        consentRoutes({ config: deps.config, consent: stores.consent, log: deps.log }),
        liveRoutes({ hub: live, log: deps.log }),
        agentRoutes({
          config: deps.config,
          agentStore: stores.agents,
          agents,
          models: new AgentModels(deps.config),
          log: deps.log,
        }),
        knowledgeRoutes({
          config: deps.config,
          temporal: deps.temporal,
          knowledgeBases: stores.knowledgeBases,
          documents: stores.documents,
          documentFiles: stores.documentFiles,
          log: deps.log,
        }),
        ...(deps.knowledge
          ? [
              searchRoutes({
                config: deps.config,
                knowledge: deps.knowledge,
                identities: stores.identities,
                knowledgeBases: stores.knowledgeBases,
                log: deps.log,
              }),
            ]
          : []),
      ],
      { store: new IdempotencyKeyStore(deps.mongo.db(deps.config.get().mongodb.database)), log: deps.log },
      access,
    ),
  );

  const health = gatewayHealth(
    {
      config: deps.config,
      temporal: deps.temporalConnection,
      mongo: deps.mongo,
      ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
    },
    deps.health,
  );
  app.get('/health', async (_req, res) => {
    const report = await health();
    res.status(httpStatusOf(report)).json(report);
  });

  // Prometheus scrapes this; unauthenticated like /health, so keep labels free of customer data.
  app.get('/metrics', async (_req, res) => {
    res.type(PROMETHEUS_CONTENT_TYPE).send(await metrics.render());
  });

  app.use('/console', consoleStatic(deps.consoleDir));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
