import net from 'node:net';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';

const MEDIA_STREAM_PATH = '/twilio/media-stream';
/** How long a caller's socket may linger after the worker's side closed. */
const CLOSE_GRACE_MS = 5_000;

/**
 * One public URL is enough (one tunnel in development): the gateway passes media-stream
 * WebSocket upgrades through to the realtime worker byte for byte, headers included. The realtime
 * worker authenticates the stream itself (the upgrade's X-Twilio-Signature, the signed token in
 * `start`), so nothing here needs to understand it.
 */
export function attachMediaStreamProxy(server: http.Server, config: ConfigStore, log: Logger): { closeAll(): void } {
  // Upgraded sockets are not HTTP connections any more: server.close() would wait for them forever.
  const live = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    live.add(socket);
    socket.on('close', () => live.delete(socket));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MEDIA_STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const { realtimeInternalUrl, realtimePort } = config.get();
    const target = new URL(realtimeInternalUrl ?? `http://127.0.0.1:${realtimePort}`);
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) || 80 }, () => {
      const headers = Object.entries(req.headers)
        .flatMap(([name, value]) =>
          Array.isArray(value) ? value.map((v) => `${name}: ${v}`) : value === undefined ? [] : [`${name}: ${value}`],
        )
        .join('\r\n');
      upstream.write(`${req.method ?? 'GET'} ${req.url ?? MEDIA_STREAM_PATH} HTTP/1.1\r\n${headers}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.setNoDelay(true);
    const fail = (error: Error) => {
      log.warn({ err: error }, 'media stream proxy: connection to the realtime worker failed');
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', fail);
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    // End, not destroy: the worker's last bytes (its close frame) may still be on their way through the
    // pipe; destroying here cut them off and the caller saw an abnormal 1006 close. A peer that never
    // finishes its side is cut after a grace period.
    upstream.on('close', () => {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
  });
  return {
    /** Shutdown: the streams passing through end (the realtime worker records those calls as dropped). */
    closeAll() {
      for (const socket of live) socket.destroy();
    },
  };
}
