import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on loopback (port 0 = any free one) and resolves to the server's base URL. */
async function listenOnLoopback(server: http.Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the listener and every connection at once (idle keep-alive sockets would hold close() open). */
export async function closeNow(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The start/stop lifecycle every HTTP emulator shares: one loopback listener, closed at once. */
export class LoopbackHttpServer {
  private server: http.Server | undefined;
  private address: string | undefined;

  constructor(
    private readonly name: string,
    private readonly handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
    private readonly port = 0,
  ) {}

  /** Starts listening (idempotent); resolves to the base URL. */
  async start(): Promise<string> {
    if (this.address !== undefined) return this.address;
    const server = http.createServer((req, res) => {
      void this.handler(req, res);
    });
    this.address = await listenOnLoopback(server, this.port);
    this.server = server;
    return this.address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.address = undefined;
    await closeNow(server);
  }

  /** The base URL while started. */
  get url(): string | undefined {
    return this.address;
  }

  requireUrl(): string {
    if (this.address === undefined) throw new Error(`${this.name} is not started`);
    return this.address;
  }
}
