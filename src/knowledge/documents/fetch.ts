import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { declaredDocumentType } from './detect';
import { DocumentError, tooBig } from './errors';

/**
 * Fetches a document an operator registered by URL. The URL is operator input fetched from inside our
 * network, so by default it may not reach private, loopback or link-local addresses (SSRF: the cloud
 * metadata endpoint, internal services); the check runs on the address actually connected to, at every
 * redirect, so DNS tricks cannot slip past it. The size limit is enforced while the body streams in
 * (after decompression, so a small gzip bomb cannot grow past it), and one timeout bounds the whole
 * exchange, redirects included. Error messages name the host and path, never credentials or the query.
 */

export interface FetchOptions {
  /** Larger bodies are refused with `too_big` as soon as they pass the limit. */
  maxBytes: number;
  /** For the whole fetch, redirects and body included. */
  timeoutMs: number;
  /** Allow private, loopback and link-local addresses (tests and local development only). Default false. */
  allowPrivateAddresses?: boolean;
  /** Default 5. */
  maxRedirects?: number;
}

export interface FetchedDocument {
  bytes: Uint8Array;
  /** The response's Content-Type header, as sent. */
  contentType?: string;
  /** From Content-Disposition, else the last segment of the final URL's path. */
  fileName?: string;
  /** The URL the document came from, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchDocument(url: string, options: FetchOptions): Promise<FetchedDocument> {
  let current = parseUrl(url);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      const response = await request(current, options, abort.signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && location) {
        response.resume();
        if (hop >= (options.maxRedirects ?? 5)) {
          throw new DocumentError('fetch_failed', `Too many redirects fetching ${describe(current)}.`);
        }
        current = parseUrl(location, current);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        throw new DocumentError('fetch_failed', `${describe(current)} answered HTTP ${status}.`, status);
      }
      const contentType = response.headers['content-type'];
      if (contentType && declaredDocumentType(contentType) === undefined) {
        response.resume();
        throw new DocumentError(
          'unsupported_type',
          `${describe(current)} is ${contentType.split(';')[0]}; supported: plain text, Markdown, HTML or PDF.`,
        );
      }
      const declaredLength = Number(response.headers['content-length']);
      if (!response.headers['content-encoding'] && declaredLength > options.maxBytes) {
        response.resume();
        throw tooBig(options.maxBytes);
      }
      const bytes = await readBody(response, options.maxBytes);
      const fileName = fileNameOf(response.headers['content-disposition'], current);
      return {
        bytes,
        ...(contentType ? { contentType } : {}),
        ...(fileName ? { fileName } : {}),
        url: current.toString(),
      };
    }
  } catch (error) {
    if (abort.signal.aborted && !(error instanceof DocumentError && error.code !== 'fetch_failed')) {
      throw new DocumentError('fetch_failed', `Fetching ${describe(current)} timed out after ${options.timeoutMs} ms.`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort(); // ends any body still streaming after an error
  }
}

function parseUrl(value: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new DocumentError('fetch_failed', 'Not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DocumentError(
      'fetch_failed',
      `Only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}.`,
    );
  }
  return url;
}

/** Host and path only: the query and credentials may carry secrets. */
function describe(url: URL): string {
  return `${url.host}${url.pathname}`;
}

function request(url: URL, options: FetchOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
  const allowPrivate = options.allowPrivateAddresses ?? false;
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && net.isIP(literal) && isPrivateAddress(literal)) {
    return Promise.reject(refused(url));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      signal,
      headers: {
        'user-agent': 'BelugaKnowledge/1.0 (+document ingestion)',
        accept: 'text/html, text/markdown, text/plain, application/pdf;q=0.9, */*;q=0.1',
        'accept-encoding': 'gzip, deflate, br',
      },
      ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
    });
    req.once('response', resolve);
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof DocumentError) reject(error);
      else if (error.code === 'ERR_PRIVATE_ADDRESS') reject(refused(url));
      else if (signal.aborted) reject(error);
      else
        reject(new DocumentError('fetch_failed', `Could not fetch ${describe(url)}: ${error.code ?? error.message}.`));
    });
    req.end();
  });
}

function refused(url: URL): DocumentError {
  return new DocumentError(
    'fetch_failed',
    `${url.hostname} is a private, loopback or link-local address; documents can only be fetched from public addresses.`,
  );
}

/** dns.lookup, failing when any address the name resolves to is not public. */
const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses;
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) {
      const refusal: NodeJS.ErrnoException = new Error(`${hostname} resolves to a non-public address`);
      refusal.code = 'ERR_PRIVATE_ADDRESS';
      return callback(refusal, '', 0);
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    return first ? callback(null, first.address, first.family) : callback(null, '', 0);
  });
};

const NON_PUBLIC = (() => {
  const list = new net.BlockList();
  for (const [prefix, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, cloud metadata
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
  ] as const) {
    list.addSubnet(prefix, bits, 'ipv4');
  }
  for (const [prefix, bits] of [
    ['::', 127], // unspecified and loopback
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
  ] as const) {
    list.addSubnet(prefix, bits, 'ipv6');
  }
  return list;
})();

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return NON_PUBLIC.check(mapped, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

async function readBody(response: http.IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const body = decoded(response);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) {
      body.destroy();
      response.destroy();
      throw tooBig(maxBytes);
    }
    parts.push(part);
  }
  return new Uint8Array(Buffer.concat(parts, size));
}

function decoded(response: http.IncomingMessage): Readable {
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (encoding === 'identity' || encoding === '') return response;
  if (!decoder) {
    response.resume();
    throw new DocumentError('fetch_failed', `The server sent an unsupported content encoding (${encoding}).`);
  }
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

function fileNameOf(disposition: string | undefined, url: URL): string | undefined {
  const fromHeader =
    /filename\*\s*=\s*(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '')?.[1] ??
    /filename\s*=\s*"?([^";]+)"?/i.exec(disposition ?? '')?.[1];
  const raw = fromHeader ?? url.pathname.split('/').pop() ?? '';
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // keep it encoded
  }
  name = name.trim();
  return name === '' ? undefined : name;
}
