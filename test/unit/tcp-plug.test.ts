import net from 'node:net';
import { TcpPlug } from '../harness/tcp-plug';

/** An echo server standing in for Temporal or MongoDB. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects, sends `text`, resolves with what came back, or rejects with the socket's error / early close. */
function roundTrip(address: string, text: string): Promise<string> {
  const { host, port } = TcpPlug.targetOf(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let received = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.length >= text.length) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(received)}`)));
  });
}

describe('TcpPlug', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let plug: TcpPlug;

  beforeEach(async () => {
    echo = await echoServer();
    plug = new TcpPlug({ host: '127.0.0.1', port: echo.port });
    await plug.start();
  });
  afterEach(async () => {
    await plug.stop();
    await echo.close();
  });

  it('passes bytes both ways while plugged', async () => {
    await expect(roundTrip(plug.address, 'hello')).resolves.toBe('hello');
  });

  it('refuses new connections while unplugged, and serves again on the same address once plugged', async () => {
    const address = plug.address;
    await plug.unplug();
    expect(plug.plugged).toBe(false);
    await expect(roundTrip(address, 'hello')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await plug.plug();
    expect(plug.address).toBe(address);
    await expect(roundTrip(address, 'again')).resolves.toBe('again');
  });

  it('cuts connections that are open when unplugged', async () => {
    const { host, port } = TcpPlug.targetOf(plug.address);
    const socket = net.connect({ host, port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('ping');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    expect(plug.openConnections).toBe(1);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await plug.unplug();
    await closed;
    expect(plug.openConnections).toBe(0);
  });

  it('parses the address forms tests pass it', () => {
    expect(TcpPlug.targetOf('127.0.0.1:7233')).toEqual({ host: '127.0.0.1', port: 7233 });
    expect(TcpPlug.targetOf('mongodb://127.0.0.1:27017/')).toEqual({ host: '127.0.0.1', port: 27017 });
    expect(TcpPlug.targetOf('mongodb://u:p@db.local:27018/x')).toEqual({ host: 'db.local', port: 27018 });
    expect(() => TcpPlug.targetOf('no-port')).toThrow(/host:port/);
  });
});
