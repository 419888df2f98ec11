/**
 * Downloads one inbound media file (Twilio media URL, usually redirected to a CDN) with bounded
 * size and time. Every failure is one of the typed errors below; error messages name hosts and
 * statuses, never URLs (pre-signed) or credentials.
 */
import { bareContentType, contentTypesAgree } from './media-types';

export interface BasicAuth {
  username: string;
  password: string;
}

export class MediaFetchError extends Error {
  override readonly name = 'MediaFetchError';
  /** The HTTP status when the server answered with an error; absent for network errors and timeouts. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export class MediaTooLargeError extends Error {
  override readonly name = 'MediaTooLargeError';

  constructor(
    /** Declared Content-Length, or the bytes received before we stopped reading. */
    readonly sizeBytes: number,
    readonly limitBytes: number,
    readonly measuredBy: 'content-length' | 'streamed',
  ) {
    super(
      `media is larger than ${limitBytes} bytes (${measuredBy === 'content-length' ? 'declared' : 'received at least'} ${sizeBytes})`,
    );
  }
}

export class MediaTypeMismatchError extends Error {
  override readonly name = 'MediaTypeMismatchError';

  constructor(
    readonly declaredContentType: string,
    readonly servedContentType: string,
  ) {
    super(`declared ${bareContentType(declaredContentType)} but the server sent ${bareContentType(servedContentType)}`);
  }
}

export interface MediaRequestOptions {
  /** Sent only to the origin of the original URL, never to a redirect target elsewhere. */
  auth?: BasicAuth;
  /** The type Twilio declared; a served type of another kind is refused. */
  declaredContentType?: string;
  /** Whole operation: redirects, headers and body. */
  timeoutMs?: number;
  maxRedirects?: number;
}

export interface FetchMediaOptions extends MediaRequestOptions {
  maxBytes: number;
}

export interface FetchedMedia {
  bytes: Buffer;
  /** The Content-Type the server sent, if any. */
  servedContentType: string | undefined;
}

export interface MediaHeaders {
  servedContentType: string | undefined;
  /** From Content-Length, when the server sent one. */
  sizeBytes: number | undefined;
}

const DEFAULT_MEDIA_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Downloads the whole body, refusing it as soon as it is known to exceed `maxBytes`. */
export async function fetchMedia(url: string, options: FetchMediaOptions): Promise<FetchedMedia> {
  return withDeadline(options.timeoutMs, async (signal, abort) => {
    const response = await openMedia(url, options, signal);
    const servedContentType = response.headers.get('content-type') ?? undefined;
    const declaredLength = contentLength(response);
    if (declaredLength !== undefined && declaredLength > options.maxBytes) {
      await discardBody(response);
      throw new MediaTooLargeError(declaredLength, options.maxBytes, 'content-length');
    }
    // Content-Length can be absent (chunked) or describe compressed bytes, so count while reading too.
    const bytes = await readAtMost(response, options.maxBytes, abort);
    return { bytes, servedContentType };
  });
}

/**
 * Status, type and size without downloading the file: a GET whose body is dropped after the
 * headers. Not HEAD, because CDN URLs pre-signed for GET refuse other methods.
 */
export async function probeMedia(url: string, options: MediaRequestOptions): Promise<MediaHeaders> {
  return withDeadline(options.timeoutMs, async (signal) => {
    const response = await openMedia(url, options, signal);
    const result = {
      servedContentType: response.headers.get('content-type') ?? undefined,
      sizeBytes: contentLength(response),
    };
    await discardBody(response);
    return result;
  });
}

/** Follows redirects by hand so credentials stay with the original origin; resolves on a 2xx with a checked type. */
async function openMedia(url: string, options: MediaRequestOptions, signal: AbortSignal): Promise<Response> {
  const original = parseMediaUrl(url);
  if (options.auth && original.protocol === 'http:' && !isLoopback(original.hostname)) {
    throw new MediaFetchError(`refusing to send credentials over plain HTTP to ${original.host}`);
  }
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = original;
  for (let redirects = 0; ; redirects++) {
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
    // Same origin = same scheme, host and port: an https -> http hop on one host gets no credentials either.
    if (options.auth && current.origin === original.origin) headers.Authorization = basicAuthorization(options.auth);
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual', signal });
    } catch (error) {
      if (signal.aborted) throw error; // withDeadline reports the timeout
      throw networkError(error, current);
    }
    if (REDIRECT_STATUSES.has(response.status)) {
      await discardBody(response);
      const location = response.headers.get('location');
      if (!location) throw new MediaFetchError(`redirect without a Location from ${current.host}`, response.status);
      if (redirects >= maxRedirects) throw new MediaFetchError(`more than ${maxRedirects} redirects`, response.status);
      current = parseMediaUrl(new URL(location, current).href);
      continue;
    }
    if (!response.ok) {
      await discardBody(response);
      throw new MediaFetchError(`HTTP ${response.status} from ${current.host}`, response.status);
    }
    const served = response.headers.get('content-type');
    if (options.declaredContentType !== undefined && !contentTypesAgree(options.declaredContentType, served)) {
      await discardBody(response);
      throw new MediaTypeMismatchError(options.declaredContentType, served ?? '');
    }
    return response;
  }
}

async function readAtMost(response: Response, maxBytes: number, abort: () => void): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      abort();
      throw new MediaTooLargeError(received, maxBytes, 'streamed');
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, received);
}

/** Runs `work` with an abort signal that fires after `timeoutMs`, mapping the abort to a MediaFetchError. */
async function withDeadline<T>(
  timeoutMs: number | undefined,
  work: (signal: AbortSignal, abort: () => void) => Promise<T>,
): Promise<T> {
  const limit = timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limit);
  try {
    return await work(controller.signal, () => controller.abort());
  } catch (error) {
    if (timedOut && !(error instanceof MediaTooLargeError)) throw new MediaFetchError(`timed out after ${limit} ms`);
    if (
      error instanceof MediaFetchError ||
      error instanceof MediaTooLargeError ||
      error instanceof MediaTypeMismatchError
    )
      throw error;
    // Body read failures (connection reset mid-transfer): keep only the error's name, not its text.
    const name = errorField(error, 'name');
    throw new MediaFetchError(`download interrupted (${typeof name === 'string' ? name : 'unknown error'})`);
  } finally {
    clearTimeout(timer);
  }
}

function parseMediaUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MediaFetchError('media URL is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new MediaFetchError(`unsupported URL scheme ${parsed.protocol}`);
  // fetch() would refuse it anyway, with the credentials in its error message.
  if (parsed.username || parsed.password) throw new MediaFetchError('media URL must not embed credentials');
  return parsed;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function basicAuthorization(auth: BasicAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function contentLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function networkError(error: unknown, url: URL): MediaFetchError {
  const code = errorField(errorField(error, 'cause'), 'code');
  return new MediaFetchError(`could not reach ${url.host} (${typeof code === 'string' ? code : 'network error'})`);
}

/** Reads a field of a thrown value without `instanceof Error`, which fails for errors from another realm (fetch's). */
function errorField(error: unknown, field: 'name' | 'cause' | 'code'): unknown {
  return error !== null && typeof error === 'object' ? (error as Record<string, unknown>)[field] : undefined;
}
