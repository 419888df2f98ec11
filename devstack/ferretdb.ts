import fs from 'node:fs';
import { MongoClient } from 'mongodb';
import { startProcess, tail, waitUntilReady, type LineSink, type ManagedProcess } from './child';

export interface RunningFerretDb {
  uri: string;
  process: ManagedProcess;
}

async function answers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

/** Starts FerretDB v1 on SQLite files in `dataDir` and waits until it answers a ping. */
export async function startFerretDb(opts: {
  binary: string;
  port: number;
  dataDir: string;
  sink?: LineSink;
}): Promise<RunningFerretDb> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const recent = tail();
  const proc = startProcess(
    'ferretdb',
    opts.binary,
    ['--listen-addr', `127.0.0.1:${opts.port}`, '--sqlite-url', `file:${opts.dataDir}/`, '--log-level', 'error'],
    { env: process.env },
    (name, line) => {
      recent.sink(name, line);
      opts.sink?.(name, line);
    },
  );
  const uri = `mongodb://127.0.0.1:${opts.port}/`;
  await waitUntilReady(proc, () => answers(uri), 30_000, recent.text);
  return { uri, process: proc };
}
