import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { McpCatalogue } from '../src/agents/mcp-tools';
import { createOrchestratorWorker } from '../src/orchestrator/worker';
import { loadConfigOrExit } from '../src/runtime/startup';
import { startTracing } from '../src/observability/tracing';
import { retryUntilConnected } from '../src/runtime/retry';
import { createStores } from '../src/storage/stores';

async function main(): Promise<void> {
  const { config, log } = loadConfigOrExit('orchestrator');
  const tracing = startTracing('beluga-orchestrator');
  const { temporal, mongodb } = config.get();
  const connection = await retryUntilConnected('Temporal', log, () =>
    NativeConnection.connect({ address: temporal.address }),
  );
  // Activities start workflows too (event routing), through an ordinary client.
  const clientConnection = await retryUntilConnected('Temporal', log, () =>
    Connection.connect({ address: temporal.address }),
  );
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });
  const mongo = new MongoClient(mongodb.uri);
  const stores = createStores(mongo.db(mongodb.database));
  const mcp = new McpCatalogue({ config, log });
  const worker = await createOrchestratorWorker({ config, connection, client, log, stores, mcp });
  log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'orchestrator worker running');
  // Worker.run() stops gracefully on SIGINT/SIGTERM (the SDK's default shutdown signals).
  await worker.run();
  await mcp.close();
  await connection.close();
  await clientConnection.close();
  await tracing.shutdown();
  await mongo.close();
  config.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`orchestrator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
