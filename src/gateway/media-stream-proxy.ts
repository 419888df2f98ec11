import net from 'node:net';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { RealtimeWorkers } from './realtime-workers';

const MEDIA_STREAM_PATH = '/twilio/media-stream';
/** A worker that neither connects nor answers the upgrade within this long is skipped. */
const UPGRADE_TIMEOUT_MS = 3_000;
/** The longest upgrade response head read from a worker before it counts as broken. */
const MAX_RESPONSE_HEAD = 16 * 1024;
/**
 * When one side closes, the other is ended (its queued bytes, the worker's close frame included,
 * still go out) and destroyed only after this grace, so a half-open peer cannot hold it forever.
 */
const CLOSE_GRACE_MS = 2_000;

type Upgrade =
  | { kind: 'upgraded'; upstream: net.Socket; head: Buffer }
  /** A worker answered with something other than 101 or 503 (403 for a bad signature): passed on as it is. */
  | { kind: 'answered'; response: Buffer }
  | { kind: 'unavailable' };

/**
 * One public URL is enough (one tunnel in development): the gateway passes media-stream
 * WebSocket upgrades through to a realtime worker byte for byte, headers included. Among several
 * workers (REALTIME_INTERNAL_URLS) it offers the upgrade to each in turn until one switches
 * protocols: a worker that is down, draining or full (503) is skipped. The realtime worker
 * authenticates the stream itself (the upgrade's X-Twilio-Signature, the signed token in `start`),
 * so nothing here needs to understand it.
 */
export function attachMediaStreamProxy(
  server: http.Server,
  config: ConfigStore,
  log: Logger,
  /** Other WebSocket paths this gateway serves itself (the console's browser calls), by path. */
  sockets: Record<string, (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void> = {},
): { closeAll(): void } {
  // Upgraded sockets are not HTTP connections any more: server.close() would wait for them forever.
  const live = new Set<Duplex>();
  const workers = new RealtimeWorkers(() => config.get());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    live.add(socket);
    socket.on('close', () => live.delete(socket));
    socket.on('error', (error) => log.debug({ err: error }, 'media stream proxy: caller socket error'));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const own = Object.hasOwn(sockets, path) ? sockets[path] : undefined;
    if (own) {
      own(req, socket, head);
      return;
    }
    if (path !== MEDIA_STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    // Twilio sends nothing before the 101; anything early waits until a worker is chosen.
    socket.pause();
    void upgradeOnAnyWorker(requestHead(req), head, workers.order(), log).then((result) => {
      if (socket.destroyed) {
        if (result.kind === 'upgraded') result.upstream.destroy();
        return;
      }
      if (result.kind === 'unavailable') {
        log.warn('media stream proxy: no realtime worker took the stream');
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      if (result.kind === 'answered') {
        socket.end(result.response);
        return;
      }
      const { upstream } = result;
      live.add(upstream);
      upstream.on('close', () => live.delete(upstream));
      upstream.on('error', (error) => log.debug({ err: error }, 'media stream proxy: worker socket error'));
      socket.write(result.head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      socket.resume();
      // Each side's end reaches the other after what it already sent (the close frame included).
      upstream.on('close', () => endThenDestroy(socket));
      socket.on('close', () => endThenDestroy(upstream));
    });
  });
  return {
    /** Shutdown: the streams passing through end (Twilio then asks the `<Connect>` action URL what next). */
    closeAll() {
      for (const socket of live) socket.destroy();
    },
  };
}

function endThenDestroy(socket: Duplex): void {
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

function requestHead(req: http.IncomingMessage): string {
  const headers = Object.entries(req.headers)
    .flatMap(([name, value]) =>
      Array.isArray(value) ? value.map((v) => `${name}: ${v}`) : value === undefined ? [] : [`${name}: ${value}`],
    )
    .join('\r\n');
  return `${req.method ?? 'GET'} ${req.url ?? MEDIA_STREAM_PATH} HTTP/1.1\r\n${headers}\r\n\r\n`;
}

async function upgradeOnAnyWorker(request: string, head: Buffer, targets: URL[], log: Logger): Promise<Upgrade> {
  for (const target of targets) {
    const result = await upgradeOn(target, request, head).catch((error: unknown) => {
      log.warn({ err: error, worker: target.host }, 'media stream proxy: realtime worker unreachable; trying the next');
      return undefined;
    });
    if (result) return result;
  }
  return { kind: 'unavailable' };
}

/** Undefined when this worker does not take the stream (503: draining or full); rejects when it is unreachable. */
function upgradeOn(target: URL, request: string, head: Buffer): Promise<Upgrade | undefined> {
  return new Promise((resolve, reject) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) || 80 });
    upstream.setNoDelay(true);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error('no upgrade answer in time')), UPGRADE_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      upstream.destroy();
      reject(error);
    };
    upstream.once('error', fail);
    upstream.once('close', () => fail(new Error('closed before answering the upgrade')));
    upstream.once('connect', () => {
      upstream.write(request);
      if (head.length) upstream.write(head);
    });
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_RESPONSE_HEAD) fail(new Error('upgrade answer too long'));
        return;
      }
      clearTimeout(timer);
      upstream.off('data', onData);
      upstream.removeAllListeners('close');
      upstream.removeAllListeners('error');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, end).toString('latin1'))?.[1]);
      if (status === 101) {
        // Paused until piped: frames the worker sends right after the 101 wait in `head` and the socket.
        upstream.pause();
        upstream.on('error', () => undefined);
        resolve({ kind: 'upgraded', upstream, head: received });
        return;
      }
      upstream.destroy();
      resolve(status === 503 ? undefined : { kind: 'answered', response: received });
    };
    upstream.on('data', onData);
  });
}
