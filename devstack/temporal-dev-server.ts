import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import { startProcess, tail, waitUntilReady, type LineSink, type ManagedProcess } from './child';

export interface TemporalDevServerOptions {
  binary: string;
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file; omit for in-memory. */
  dbFile?: string;
  namespace?: string;
  sink?: LineSink;
}

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  process: ManagedProcess;
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until it answers. */
export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<RunningTemporal> {
  const namespace = opts.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
  ];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push(
      '--db-filename',
      opts.dbFile,
      '--sqlite-pragma',
      'journal_mode=WAL',
      '--sqlite-pragma',
      'synchronous=NORMAL',
    );
  }
  for (const name of PROJECT_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  // Hands an activity to the worker in the response that scheduled it: one round trip less per step.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  const recent = tail();
  const proc = startProcess('temporal', opts.binary, args, { env: process.env }, (name, line) => {
    recent.sink(name, line);
    opts.sink?.(name, line);
  });
  const address = `127.0.0.1:${opts.port}`;
  await waitUntilReady(proc, () => answers(address), 60_000, recent.text);
  return { address, uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined, process: proc };
}
