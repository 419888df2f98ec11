import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP pass-through to a real service that a test can pull: while pulled, open connections are cut
 * and new ones are either refused (closed at once) or black-holed (accepted, never answered) — an
 * unreachable Temporal or MongoDB without stopping the shared one.
 */
export class TcpPlug {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private pulled: 'refuse' | 'blackhole' | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  /** `host:port` of the plug. */
  async start(): Promise<string> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  pull(mode: 'refuse' | 'blackhole' = 'refuse'): void {
    this.pulled = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Connections again pass through; black-holed ones are cut, so their clients dial afresh. */
  restore(): void {
    this.pulled = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.pull('refuse');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    if (this.pulled === 'refuse') return void client.destroy();
    if (this.pulled === 'blackhole') return;
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
  }
}

/** `host:port` or a `mongodb://host:port/…` URI's first host, as a target. */
export function hostPort(address: string): { host: string; port: number } {
  const match = /^(?:[a-z+]+:\/\/)?([^/:,?]+):(\d+)/i.exec(address);
  if (!match) throw new Error(`no host:port in ${address}`);
  return { host: match[1]!, port: Number(match[2]) };
}
