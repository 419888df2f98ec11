import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on loopback (port 0 = any free one) and resolves to the server's base URL. */
export async function listenOnLoopback(server: http.Server, port = 0): Promise<string> {
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
