import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { McpCatalogue } from '../src/agents/mcp-tools';
import { probeConnection } from '../src/health/checks';
import { createHealthServer } from '../src/health/http-server';
import { createMetrics } from '../src/observability/metrics';
import { orchestratorHealth } from '../src/orchestrator/health';
import { createOrchestratorWorker } from '../src/orchestrator/worker';
import { loadConfigOrExit } from '../src/runtime/startup';
import { startTracing } from '../src/observability/tracing';
import { retryUntilConnected } from '../src/runtime/retry';
import { createStores } from '../src/storage/stores';
import { visibleHits } from '../src/knowledge/bases/visible-hits';
import { configuredEmbeddings, openKnowledge } from '../src/knowledge/knowledge';

async function main(): Promise<void> {
  const { config, log } = loadConfigOrExit('orchestrator');
  const tracing = startTracing('beluga-orchestrator');
  const { temporal, mongodb, orchestratorHealthPort } = config.get();
  const mongo = new MongoClient(mongodb.uri);
  // Before anything listens: a store embedded by another model must stop the start, loudly.
  const knowledgeConfig = config.get().knowledge;
  const documents = createStores(mongo.db(mongodb.database)).documents;
  const knowledge = await openKnowledge(knowledgeConfig, {
    log,
    embeddings: configuredEmbeddings(knowledgeConfig),
    visibleHits: (hits) => visibleHits(documents, hits),
  });
  // Indexing happens here, so compaction and index refreshes too (other processes only read).
  knowledge.optimizeEvery(knowledgeConfig.optimizeIntervalMinutes * 60_000);
  // Served from the start, so /health says what the orchestrator waits for (Temporal, MongoDB) while it waits.
  const started: { worker?: Worker } = {};
  const healthConnection = probeConnection(temporal.address);
  const metrics = createMetrics('orchestrator');
  const health = createHealthServer({
    report: orchestratorHealth({ config, temporal: healthConnection, mongo, worker: () => started.worker, knowledge }),
    metrics,
  });
  health.listen(orchestratorHealthPort, () =>
    log.info({ port: orchestratorHealthPort }, 'orchestrator /health listening'),
  );
  const connection = await retryUntilConnected('Temporal', log, () =>
    NativeConnection.connect({ address: temporal.address }),
  );
  // Activities start workflows too (event routing), through an ordinary client.
  const clientConnection = await retryUntilConnected('Temporal', log, () =>
    Connection.connect({ address: temporal.address }),
  );
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });
  const stores = createStores(mongo.db(mongodb.database));
  const mcp = new McpCatalogue({ config, log });
  const worker = await createOrchestratorWorker({ config, connection, client, log, stores, mcp, knowledge });
  started.worker = worker;
  log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'orchestrator worker running');
  // Worker.run() stops gracefully on SIGINT/SIGTERM (the SDK's default shutdown signals).
  await worker.run();
  health.close();
  await mcp.close();
  await knowledge.close();
  await connection.close();
  await clientConnection.close();
  await healthConnection.close();
  await metrics.shutdown();
  await tracing.shutdown();
  await mongo.close();
  config.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`orchestrator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
