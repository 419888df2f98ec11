/**
 * A tiny static media host for tests, standing in for Twilio's media URLs and the CDN they redirect
 * to: given bytes with given content types, optional Basic auth, redirects, different body framings,
 * and a record of each request (whether it carried credentials, how much of the body went out).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { closeNow } from './shared/listen';

interface BasicCredentials {
  username: string;
  password: string;
}

/** `totalBytes` of zeros after an optional `prefix`, produced as it is sent (no big buffer in memory). */
interface GeneratedBody {
  totalBytes: number;
  prefix?: Buffer;
}

export interface ServedFile {
  /** Omitted: no Content-Type header at all. */
  contentType?: string;
  body: Buffer | GeneratedBody;
  /** How the body's end is signalled: a Content-Length (default), chunked encoding, or closing the connection. */
  framing?: 'content-length' | 'chunked' | 'close';
  /** Sends the body gzip-encoded, so Content-Length counts compressed bytes (a small number for a big body). */
  gzip?: boolean;
  requireAuth?: BasicCredentials;
  /** Wait before sending the headers, to provoke client timeouts. */
  delayMs?: number;
}

export interface RedirectOptions {
  status?: number;
  requireAuth?: BasicCredentials;
}

export interface MediaServerRequest {
  method: string;
  path: string;
  /** Whether an Authorization header was present at all. */
  hadAuthorization: boolean;
  /** The Basic username presented, if any (the password is never recorded). */
  username: string | undefined;
  status: number | undefined;
  /** Body bytes handed to the socket (compressed bytes when gzip). */
  bytesSent: number;
  /** True once the whole body was handed to the OS; false if the client went away first. */
  completed: boolean;
  /** Resolves when the response is over, either way. */
  closed: Promise<void>;
}

type Entry = { type: 'file'; file: ServedFile } | { type: 'redirect'; location: string; options: RedirectOptions };

const CHUNK_BYTES = 64 * 1024;

export class MediaServer {
  private server: http.Server | undefined;
  private base: string | undefined;
  private readonly entries = new Map<string, Entry>();
  private recorded: MediaServerRequest[] = [];

  async start(): Promise<string> {
    if (this.base !== undefined) return this.base;
    const server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.base = undefined;
    await closeNow(server);
  }

  /** Forgets files, redirects and recorded requests. */
  reset(): void {
    this.entries.clear();
    this.recorded = [];
  }

  url(path: string): string {
    if (this.base === undefined) throw new Error('MediaServer is not started');
    return `${this.base}${path}`;
  }

  /** Serves `file` at `path`; returns its absolute URL. */
  serve(path: string, file: ServedFile): string {
    this.entries.set(path, { type: 'file', file });
    return this.url(path);
  }

  /** Answers `path` with a redirect to `location` (typically another MediaServer: Twilio -> CDN). */
  redirect(path: string, location: string, options: RedirectOptions = {}): string {
    this.entries.set(path, { type: 'redirect', location, options });
    return this.url(path);
  }

  get requests(): readonly MediaServerRequest[] {
    return this.recorded;
  }

  requestsFor(path: string): MediaServerRequest[] {
    return this.recorded.filter((request) => request.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://media').pathname;
    const credentials = basicCredentials(req.headers.authorization);
    let markClosed = (): void => undefined;
    const record: MediaServerRequest = {
      method: req.method ?? '',
      path,
      hadAuthorization: req.headers.authorization !== undefined,
      username: credentials?.username,
      status: undefined,
      bytesSent: 0,
      completed: false,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
    };
    this.recorded.push(record);
    // Fires after the response ends and also when the client hangs up (including raw 'close' framing).
    res.once('close', markClosed);

    const entry = this.entries.get(path);
    if (!entry) return this.sendStatus(res, record, 404, { 'content-type': 'text/plain' }, 'Not Found');
    const requireAuth = entry.type === 'file' ? entry.file.requireAuth : entry.options.requireAuth;
    if (
      requireAuth &&
      (credentials?.username !== requireAuth.username || credentials.password !== requireAuth.password)
    ) {
      return this.sendStatus(
        res,
        record,
        401,
        { 'www-authenticate': 'Basic realm="Media"', 'content-type': 'application/json' },
        '{"message":"Authenticate"}',
      );
    }
    if (entry.type === 'redirect')
      return this.sendStatus(res, record, entry.options.status ?? 307, { location: entry.location }, '');
    if (entry.file.delayMs) await sleepUnlessClosed(entry.file.delayMs, record.closed);
    if (res.destroyed) return;
    await this.sendFile(req, res, record, entry.file);
  }

  private sendStatus(
    res: ServerResponse,
    record: MediaServerRequest,
    status: number,
    headers: Record<string, string>,
    body: string,
  ): void {
    record.status = status;
    res
      .writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) })
      .end(body, () => (record.completed = true));
  }

  private async sendFile(
    req: IncomingMessage,
    res: ServerResponse,
    record: MediaServerRequest,
    file: ServedFile,
  ): Promise<void> {
    record.status = 200;
    const body = file.gzip ? gzipSync(materialize(file.body)) : file.body;
    const length = Buffer.isBuffer(body) ? body.length : body.totalBytes;
    const headers: Record<string, string> = {
      ...(file.contentType !== undefined ? { 'content-type': file.contentType } : {}),
      ...(file.gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    const framing = file.framing ?? 'content-length';
    if (framing === 'close') {
      // Raw HTTP/1.1 with neither Content-Length nor chunking: the body ends when the connection does.
      const socket = req.socket;
      const head = [
        'HTTP/1.1 200 OK',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        'Connection: close',
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      if (await writeChunks(socket, chunksOf(body), (n) => (record.bytesSent += n)))
        socket.end(() => (record.completed = true));
      return;
    }
    res.writeHead(200, { ...headers, ...(framing === 'content-length' ? { 'content-length': String(length) } : {}) });
    if (await writeChunks(res, chunksOf(body), (n) => (record.bytesSent += n)))
      res.end(() => (record.completed = true));
  }
}

/** Sleeps, but wakes when the client hangs up, so no timer outlives a test. */
async function sleepUnlessClosed(ms: number, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), closed]);
  clearTimeout(timer);
}

function* chunksOf(body: Buffer | GeneratedBody): Generator<Buffer> {
  if (Buffer.isBuffer(body)) {
    for (let offset = 0; offset < body.length; offset += CHUNK_BYTES) yield body.subarray(offset, offset + CHUNK_BYTES);
    return;
  }
  const prefix = body.prefix ?? Buffer.alloc(0);
  if (prefix.length > 0) yield prefix.subarray(0, body.totalBytes);
  const zeros = Buffer.alloc(CHUNK_BYTES);
  for (let sent = prefix.length; sent < body.totalBytes; sent += CHUNK_BYTES)
    yield zeros.subarray(0, Math.min(CHUNK_BYTES, body.totalBytes - sent));
}

function materialize(body: Buffer | GeneratedBody): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.concat([...chunksOf(body)]);
}

/** Writes with backpressure; false if the peer went away before everything was written. */
async function writeChunks(
  out: Writable,
  chunks: Iterable<Buffer>,
  onWritten: (bytes: number) => void,
): Promise<boolean> {
  for (const chunk of chunks) {
    if (out.destroyed || out.writableEnded) return false;
    const drained = out.write(chunk);
    onWritten(chunk.length);
    if (!drained && !(await drainOrClose(out))) return false;
  }
  return !out.destroyed;
}

function drainOrClose(out: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (drained: boolean) => () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      resolve(drained);
    };
    const onDrain = finish(true);
    const onClose = finish(false);
    out.once('drain', onDrain);
    out.once('close', onClose);
    out.once('error', onClose);
  });
}

function basicCredentials(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
