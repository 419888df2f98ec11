import net from 'node:net';

/**
 * A TCP proxy in front of `host:port` that a test can unplug (new connections are refused at once and open ones are
 * cut) and plug in again, to make a shared server (Temporal, MongoDB) unreachable for one system only.
 */
export class TcpPlug {
  private server: net.Server | undefined;
  /** Each proxied connection: the client's socket and ours to the target. */
  private readonly open = new Set<[net.Socket, net.Socket]>();
  private connected = true;
  private listenPort = 0;

  constructor(
    private readonly target: { host: string; port: number },
    /** 0: the OS picks a port once; `unplug()` keeps it, so clients reconnect to the same address. */
    private readonly port = 0,
  ) {}

  /** `host:port` of a `host:port` or URL string (mongodb://h:p/…, h:p). */
  static targetOf(address: string): { host: string; port: number } {
    const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+):(\d+)/i.exec(address);
    if (!match) throw new Error(`not a host:port address: ${address}`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  }

  /** Starts listening on 127.0.0.1; returns `127.0.0.1:<port>`. */
  async start(): Promise<string> {
    if (this.server) return this.address;
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort || this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.listenPort = (server.address() as net.AddressInfo).port;
    return this.address;
  }

  get address(): string {
    if (!this.listenPort) throw new Error('TcpPlug not started');
    return `127.0.0.1:${this.listenPort}`;
  }

  get plugged(): boolean {
    return this.connected;
  }

  /** How many proxied connections are open now. */
  get openConnections(): number {
    return this.open.size;
  }

  /**
   * Cuts every open connection and refuses new ones: the listener closes, so clients see ECONNREFUSED as from a
   * stopped server (not a hang).
   */
  async unplug(): Promise<void> {
    this.connected = false;
    for (const [client, upstream] of this.open) {
      client.destroy();
      upstream.destroy();
    }
    this.open.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async plug(): Promise<void> {
    this.connected = true;
    await this.start();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }

  private accept(client: net.Socket): void {
    if (!this.connected) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.open.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.open.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
