import path from 'node:path';
import type { ManagedProcess } from '../../../devstack/child';
import { startFerretDb } from '../../../devstack/ferretdb';
import { freePort } from '../../../devstack/free-port';
import { ensureGoTool, FERRETDB, TEMPORAL_CLI } from '../../../devstack/go-tools';
import { startTemporalDevServer } from '../../../devstack/temporal-dev-server';

/**
 * A server the stack depends on (Temporal, FerretDB) that a test can stop and start again on the SAME port and
 * data files, so what was durable before the outage is there after it.
 */
export class RestartableServer {
  private current: ManagedProcess | undefined;
  private readonly lines: string[] = [];

  constructor(
    readonly name: string,
    /** Where clients reach it: `127.0.0.1:<port>` for Temporal, a mongodb:// URI for FerretDB. */
    readonly address: string,
    private readonly boot: (sink: (name: string, line: string) => void) => Promise<ManagedProcess>,
  ) {}

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts it and waits until it answers; throws if it is already running. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.current = await this.boot((_name, line) => {
      this.lines.push(line);
      if (this.lines.length > 500) this.lines.shift();
    });
  }

  /** A clean stop (SIGTERM; SIGKILL after the grace period). */
  async stop(graceMs = 10_000): Promise<void> {
    await this.current?.stop(graceMs);
  }

  /** An abrupt death; resolves once it has exited. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    if (!this.current || !this.running) return;
    this.current.child.kill(signal);
    await this.current.exited;
  }

  recentLogs(count = 100): string[] {
    return this.lines.slice(-count);
  }
}

/** The Temporal dev server on a SQLite file in `dir`: state (histories, timers, task queues) survives a restart. */
export async function temporalServer(dir: string): Promise<RestartableServer> {
  const binary = await ensureGoTool(TEMPORAL_CLI);
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  return new RestartableServer(
    'temporal',
    `127.0.0.1:${port}`,
    async (sink) => (await startTemporalDevServer({ binary, port, dbFile, sink })).process,
  );
}

/** FerretDB on SQLite files in `dir`: the data survives a restart. */
export async function ferretDbServer(dir: string): Promise<RestartableServer> {
  const binary = await ensureGoTool(FERRETDB);
  const port = await freePort();
  const dataDir = path.join(dir, 'ferretdb');
  return new RestartableServer(
    'ferretdb',
    `mongodb://127.0.0.1:${port}/`,
    async (sink) => (await startFerretDb({ binary, port, dataDir, sink })).process,
  );
}
