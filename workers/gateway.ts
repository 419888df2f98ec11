import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { createGatewayApp } from '../src/gateway/app';
import { attachMediaStreamProxy } from '../src/gateway/media-stream-proxy';
import { missingCredentials } from '../src/config/load';
import { loadConfigOrExit } from '../src/runtime/startup';
import { startTracing } from '../src/observability/tracing';
import { createStores } from '../src/storage/stores';
import { createWebhookIntake } from '../src/inbox/webhook-intake';
import { createMetrics } from '../src/observability/metrics';
import { probeConnection } from '../src/health/checks';
import { visibleHits } from '../src/knowledge/bases/visible-hits';
import { configuredEmbeddings, openKnowledge } from '../src/knowledge/knowledge';
import { LiveHub } from '../src/gateway/live-hub';

async function main(): Promise<void> {
  const { config, log } = loadConfigOrExit('gateway');
  const tracing = startTracing('beluga-gateway');
  const { temporal, mongodb, port } = config.get();
  // Lazy: the gateway serves /health (reporting what is down) even before Temporal is reachable.
  const connection = Connection.lazy({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const healthConnection = probeConnection(temporal.address);
  const mongo = new MongoClient(mongodb.uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  const stores = createStores(mongo.db(mongodb.database));
  // Whichever of gateway and orchestrator starts first migrates; both may (migrations are insert-only).
  // Before listening, so no webhook resolves a customer against unmigrated identities; an unreachable
  // MongoDB fails it within serverSelectionTimeoutMS and the gateway listens anyway (/health reports it).
  try {
    const ran = await stores.migrate({ defaultAccountSid: config.get().twilio.accounts[0]?.accountSid });
    if (ran.length) log.info({ migrations: ran }, 'data migrated');
  } catch (error) {
    log.error({ err: error }, 'data migration failed; the orchestrator retries at its start');
  }
  // Webhooks Temporal could not take wait in the inbox; this gateway's relay (like every other
  // gateway's) hands them over when Temporal is back, including those left by an earlier run.
  await stores.webhookInbox
    .ensureIndexes()
    .catch((error: unknown) => log.warn({ err: error }, 'inbox indexes not created'));
  const knowledgeConfig = config.get().knowledge;
  // Read-only here (operator search): writes happen in the orchestrator's activities.
  const knowledge = await openKnowledge(knowledgeConfig, {
    log,
    embeddings: configuredEmbeddings(knowledgeConfig),
    visibleHits: (hits) => visibleHits(stores.documents, hits),
  });
  const metrics = createMetrics('gateway');
  const intake = createWebhookIntake({
    config,
    temporal: client,
    temporalConnection: connection,
    stores,
    log,
    metrics: metrics.events,
  });
  intake.relay.start();
  // The console's live view: subscribes to the realtime workers while someone watches.
  const live = new LiveHub({ config, log });
  const app = createGatewayApp({
    config,
    temporal: client,
    temporalConnection: healthConnection,
    mongo,
    stores,
    log,
    metrics,
    intake,
    knowledge,
    live,
  });
  const server = app.listen(port, () => {
    log.info({ port, publicUrl: config.get().publicUrl }, 'gateway listening');
    const missing = missingCredentials(config.get());
    if (missing.length) log.warn({ missing }, 'running without some provider credentials; /health reports degraded');
  });
  const mediaStreams = attachMediaStreamProxy(server, config, log);
  const stop = () => {
    server.close(() => {
      void intake.relay
        .stop()
        .finally(() =>
          Promise.allSettled([
            connection.close(),
            healthConnection.close(),
            mongo.close(),
            knowledge.close(),
            tracing.shutdown(),
          ]),
        )
        .then(() => process.exit(0));
    });
    live.close();
    server.closeAllConnections();
    mediaStreams.closeAll();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
