import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { loadConfig } from '../../../src/config/load';
import { DocumentError } from '../../../src/knowledge/documents/errors';
import { fetchDocument, isPrivateAddress, type FetchOptions } from '../../../src/knowledge/documents/fetch';

/** A local web server with one route per behaviour under test; it records how much each streamed body sent. */
let server: http.Server;
let base: string;
const streamed = { written: 0, closedEarly: false };
const openSockets = new Set<import('node:net').Socket>();

const MARKDOWN = '# Returns\n\nWithin 30 days.\n';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/doc.md':
        res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' }).end(MARKDOWN);
        return;
      case '/download':
        res
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-disposition': 'attachment; filename="policy.txt"',
          })
          .end('Plain policy text.');
        return;
      case '/moved':
        res.writeHead(302, { location: '/doc.md' }).end();
        return;
      case '/loop':
        res.writeHead(301, { location: '/loop' }).end();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
        return;
      case '/image':
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        return;
      case '/declared-big':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(50 * 1024 * 1024) });
        res.write('a'.repeat(1024));
        return; // never finishes: the client must not wait for the body it refused
      case '/endless': {
        // No Content-Length: only counting while streaming can stop this.
        res.writeHead(200, { 'content-type': 'text/plain' });
        streamed.written = 0;
        streamed.closedEarly = false;
        const block = Buffer.alloc(16 * 1024, 0x61);
        const pump = (): void => {
          while (streamed.written < 64 * 1024 * 1024) {
            streamed.written += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.once('close', () => (streamed.closedEarly = !res.writableFinished));
        pump();
        return;
      }
      case '/gzip-bomb':
        res
          .writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' })
          .end(zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x61)));
        return;
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('The first words, then nothing more');
        return;
      default:
        res.writeHead(500).end();
    }
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const local: FetchOptions = { maxBytes: 256 * 1024, timeoutMs: 5_000, allowPrivateAddresses: true };

async function failure(promise: Promise<unknown>): Promise<DocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DocumentError)) throw new Error(`expected a DocumentError, got ${String(error)}`);
  return error;
}

describe('fetchDocument', () => {
  it('returns the body, its content type and a file name from the path', async () => {
    const doc = await fetchDocument(`${base}/doc.md`, local);
    expect(new TextDecoder().decode(doc.bytes)).toBe(MARKDOWN);
    expect(doc).toMatchObject({
      contentType: 'text/markdown; charset=utf-8',
      fileName: 'doc.md',
      url: `${base}/doc.md`,
    });
  });

  it('takes the file name from Content-Disposition', async () => {
    const doc = await fetchDocument(`${base}/download`, local);
    expect(doc.fileName).toBe('policy.txt');
    expect(doc.contentType).toBe('application/octet-stream');
  });

  it('follows redirects and reports the final URL, but not forever', async () => {
    const doc = await fetchDocument(`${base}/moved`, local);
    expect(doc.url).toBe(`${base}/doc.md`);
    expect(new TextDecoder().decode(doc.bytes)).toBe(MARKDOWN);
    const loop = await failure(fetchDocument(`${base}/loop`, { ...local, maxRedirects: 3 }));
    expect(loop.code).toBe('fetch_failed');
    expect(loop.message).toMatch(/Too many redirects/);
  });

  it('fails with the HTTP status, naming host and path but not the query', async () => {
    const error = await failure(fetchDocument(`${base}/missing?token=s3cret`, local));
    expect(error).toMatchObject({ code: 'fetch_failed', status: 404 });
    expect(error.message).toContain('/missing');
    expect(error.message).toContain('404');
    expect(error.message).not.toContain('s3cret');
  });

  it('refuses an unsupported content type before reading the body', async () => {
    const error = await failure(fetchDocument(`${base}/image`, local));
    expect(error.code).toBe('unsupported_type');
    expect(error.message).toContain('image/png');
  });

  it('refuses a body declared too big without downloading it', async () => {
    const started = Date.now();
    const error = await failure(fetchDocument(`${base}/declared-big`, local));
    expect(error.code).toBe('too_big');
    expect(error.message).toContain('256 KiB');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('stops an undeclared body as soon as it passes the limit, while it streams', async () => {
    const error = await failure(fetchDocument(`${base}/endless`, local));
    expect(error.code).toBe('too_big');
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the server notice the closed socket
    expect(streamed.closedEarly).toBe(true);
    expect(streamed.written).toBeLessThan(16 * 1024 * 1024);
  });

  it('counts the limit after decompression', async () => {
    const error = await failure(fetchDocument(`${base}/gzip-bomb`, local));
    expect(error.code).toBe('too_big');
  });

  it('times out a server that stops sending', async () => {
    const started = Date.now();
    const error = await failure(fetchDocument(`${base}/slow`, { ...local, timeoutMs: 300 }));
    expect(error.code).toBe('fetch_failed');
    expect(error.message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses schemes other than http and https, and malformed URLs', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.txt', 'not a url']) {
      const error = await failure(fetchDocument(url, local));
      expect(error.code).toBe('fetch_failed');
    }
  });

  it('refuses loopback and private addresses unless allowed, by literal and by name', async () => {
    const production: FetchOptions = { maxBytes: 1024, timeoutMs: 2_000 };
    const literal = await failure(fetchDocument(`${base}/doc.md`, production));
    expect(literal.code).toBe('fetch_failed');
    expect(literal.message).toMatch(/private, loopback or link-local/);
    const port = new URL(base).port;
    const byName = await failure(fetchDocument(`http://localhost:${port}/doc.md`, production));
    expect(byName.message).toMatch(/private, loopback or link-local/);
    const metadata = await failure(fetchDocument('http://169.254.169.254/latest/meta-data/', production));
    expect(metadata.message).toMatch(/private, loopback or link-local/);
  });

  it('refuses an IPv6 loopback literal', async () => {
    const error = await failure(fetchDocument('http://[::1]:1/x', { maxBytes: 1024, timeoutMs: 2_000 }));
    expect(error.message).toMatch(/private, loopback or link-local/);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false],
    ['151.101.1.69', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('knowledge.documents.allowPrivateUrls', () => {
  it('is off unless KNOWLEDGE_ALLOW_PRIVATE_URLS turns it on', () => {
    expect(loadConfig({}).knowledge.documents.allowPrivateUrls).toBe(false);
    expect(loadConfig({ KNOWLEDGE_ALLOW_PRIVATE_URLS: 'true' }).knowledge.documents.allowPrivateUrls).toBe(true);
  });
});
