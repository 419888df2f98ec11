import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP pass-through that a test can pull out and put back, between a client and a real server
 * (the gateway's Temporal client and the shared Temporal server, say). Unplugged, it cuts every
 * open connection and either holds new ones silent ('blackhole': the server looks hung, the worst
 * case for a client) or resets them at once ('refuse').
 */
export class TcpPlug {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: 'connected' | 'blackhole' | 'refuse' = 'connected';

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on a free local port; returns `127.0.0.1:<port>`. */
  async start(): Promise<string> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  unplug(mode: 'blackhole' | 'refuse' = 'blackhole'): void {
    this.mode = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  replug(): void {
    this.mode = 'connected';
    // Connections held silent while unplugged would never carry anything: the client must reconnect.
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.unplug('refuse');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.mode === 'refuse') return void client.resetAndDestroy();
    if (this.mode === 'blackhole') return;
    const upstream = net.connect(this.target);
    this.track(upstream);
    client.pipe(upstream).pipe(client);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}

/** `host:port` (a Temporal address) or a `mongodb://host:port/...` URI → its host and port. */
export function hostAndPort(address: string): { host: string; port: number } {
  const match = /^(?:[a-z]+:\/\/)?(?:[^@/]*@)?([^:/]+):(\d+)/.exec(address);
  if (!match) throw new Error(`no host:port in ${address}`);
  return { host: match[1]!, port: Number(match[2]) };
}
