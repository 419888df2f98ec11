import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { McpCatalogue } from '../src/agents/mcp-tools';
import { createMetrics } from '../src/observability/metrics';
import { startTracing } from '../src/observability/tracing';
import { voiceProvidersFromConfig } from '../src/realtime/providers';
import { probeConnection } from '../src/health/checks';
import { realtimeHealth } from '../src/realtime/health';
import { createRealtimeServer } from '../src/realtime/server';
import { loadConfigOrExit } from '../src/runtime/startup';
import { createStores } from '../src/storage/stores';
import { visibleHits } from '../src/knowledge/bases/visible-hits';
import { configuredEmbeddings, openKnowledge } from '../src/knowledge/knowledge';

/**
 * The realtime worker owns live calls: Twilio Media Streams over WebSocket, each driving STT,
 * the LLM and TTS, reporting to the call's workflow. Scale out by running more of these.
 */
async function main(): Promise<void> {
  const { config, log } = loadConfigOrExit('realtime');
  const tracing = startTracing('beluga-realtime');
  const { temporal, mongodb, realtimePort } = config.get();
  // Lazy: calls can be answered (and /health served) while Temporal reconnects; reports retry.
  const connection = Connection.lazy({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const healthConnection = probeConnection(temporal.address);
  const mongo = new MongoClient(mongodb.uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  const metrics = createMetrics('realtime');
  const mcp = new McpCatalogue({ config, log });
  const knowledgeConfig = config.get().knowledge;
  // Read-only here (retrieval while talking): writes happen in the orchestrator's activities.
  const stores = createStores(mongo.db(mongodb.database));
  const knowledge = await openKnowledge(knowledgeConfig, {
    log,
    embeddings: configuredEmbeddings(knowledgeConfig),
    visibleHits: (hits) => visibleHits(stores.documents, hits),
  });
  const realtime = createRealtimeServer({
    config,
    temporal: client,
    stores,
    providers: voiceProvidersFromConfig(config, log),
    mcp,
    knowledge,
    metrics,
    log,
    health: realtimeHealth({ config, temporal: healthConnection, mongo }),
  });
  realtime.server.listen(realtimePort, () => log.info({ port: realtimePort }, 'realtime worker listening'));
  // A deploy's SIGTERM drains: no new streams, each call's turn in progress finishes, then its stream
  // closes and Twilio's <Connect> action brings the call back through the gateway to another worker.
  const stop = () => {
    log.info({ activeCalls: realtime.activeCalls() }, 'draining: handing live calls over to other workers');
    void realtime
      .drain()
      .then(() => realtime.close())
      .then(() =>
        Promise.allSettled([
          mcp.close(),
          knowledge.close(),
          connection.close(),
          healthConnection.close(),
          mongo.close(),
          metrics.shutdown(),
          tracing.shutdown(),
        ]),
      )
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`realtime: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
