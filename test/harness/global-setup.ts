import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureGoTool, FERRETDB, TEMPORAL_CLI } from '../../devstack/go-tools';
import { freePort } from '../../devstack/free-port';
import { startFerretDb } from '../../devstack/ferretdb';
import { startTemporalDevServer } from '../../devstack/temporal-dev-server';
import { ensureSearchAttributes } from '../../src/temporal/register-search-attributes';
import type { ManagedProcess } from '../../devstack/child';
import { trustTestCertificateInChildProcesses } from '../../devstack/emulators/tls';
import { bundleWorkflowsForRun } from './workflow-bundle';

declare global {
  var __belugaStack: { processes: ManagedProcess[]; tmpDir: string } | undefined;
}

/**
 * One real Temporal dev server and one FerretDB for the whole run, on free ports in a temporary
 * folder. TEMPORAL_ADDRESS / MONGODB_URI reuse servers you already run. Tests read
 * BELUGA_TEST_TEMPORAL_ADDRESS and BELUGA_TEST_MONGODB_URI (see test/harness/stack.ts).
 */
export default async function globalSetup(): Promise<void> {
  // wss emulators use a cached self-signed certificate; Node reads NODE_EXTRA_CA_CERTS only at start,
  // so this reaches the jest workers forked after this (and their children), not this process.
  await trustTestCertificateInChildProcesses();
  if (process.env.BELUGA_TEST_STACK === 'none') return;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-test-'));
  const processes: ManagedProcess[] = [];
  globalThis.__belugaStack = { processes, tmpDir };
  const log = (line: string) => process.stderr.write(`[test stack] ${line}\n`);

  const [, temporalAddress, mongoUri] = await Promise.all([
    bundleWorkflowsForRun(tmpDir).then(() => undefined),
    (async () => {
      if (process.env.TEMPORAL_ADDRESS) {
        const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
        await ensureSearchAttributes(connection, process.env.TEMPORAL_NAMESPACE ?? 'default');
        await connection.close();
        return process.env.TEMPORAL_ADDRESS;
      }
      const binary = await ensureGoTool(TEMPORAL_CLI, log);
      const server = await startTemporalDevServer({
        binary,
        port: await freePort(),
        dbFile: path.join(tmpDir, 'temporal.db'),
      });
      processes.push(server.process);
      return server.address;
    })(),
    (async () => {
      if (process.env.MONGODB_URI) return process.env.MONGODB_URI;
      const binary = await ensureGoTool(FERRETDB, log);
      const db = await startFerretDb({ binary, port: await freePort(), dataDir: path.join(tmpDir, 'ferretdb') });
      processes.push(db.process);
      return db.uri;
    })(),
  ]);
  // Jest workers are forked after global setup and inherit this environment.
  process.env.BELUGA_TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.BELUGA_TEST_MONGODB_URI = mongoUri;
}
