/**
 * The dev sandbox's control endpoint: how `npm run call` tells the emulated speech recognition what
 * its scripted caller is going to say (the emulator hears only energy, not words). Loopback only,
 * and every request must carry the random token from `.data/sandbox.json` (0600), so neither
 * another local user nor a web page (a custom header needs a CORS preflight we never grant) can
 * drive it. Server and client live here so the small protocol is written once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';

export const SANDBOX_TOKEN_HEADER = 'x-beluga-sandbox-token';
/** One simulated call holds the script at a time; a crashed caller's lease lapses by itself. */
const DEFAULT_LEASE_MS = 5 * 60_000;
const MAX_UTTERANCES = 20;
const MAX_UTTERANCE_CHARS = 500;

export interface SandboxControlAccess {
  url: string;
  token: string;
}

/** The provider timings the sandbox's emulators simulate, so printed latencies can be read against them. */
export interface SimulatedTimings {
  sttFinalizationMs: number;
  llmFirstTokenMs: number;
  llmTokensPerSecond: number;
  ttsFirstByteMs: number;
}

export interface SandboxStatus {
  /** Providers emulated locally (BELUGA_SANDBOX). */
  emulated: string[];
  timings: SimulatedTimings;
}

/** What the control endpoint drives: the emulated STT's transcript queue. */
export interface CallerScriptTarget {
  /** Replaces whatever is queued with these utterances (one per caller turn, in order). */
  replace(utterances: readonly string[]): void;
}

export interface SandboxControlServer {
  url: string;
  stop(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new RequestError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new RequestError(400, 'body must be JSON');
  }
}

/** `{ owner, utterances }` with a non-empty owner and 1..20 non-empty utterances. */
function parseScriptRequest(body: unknown): { owner: string; utterances: string[] } {
  if (typeof body !== 'object' || body === null) throw new RequestError(400, 'body must be a JSON object');
  const { owner, utterances } = body as Record<string, unknown>;
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 100)
    throw new RequestError(400, 'owner: must be a non-empty string');
  if (!Array.isArray(utterances) || utterances.length === 0 || utterances.length > MAX_UTTERANCES)
    throw new RequestError(400, `utterances: must be a list of 1 to ${MAX_UTTERANCES} strings`);
  const lines = utterances.map((u) => (typeof u === 'string' ? u.trim() : ''));
  if (lines.some((u) => u === '' || u.length > MAX_UTTERANCE_CHARS))
    throw new RequestError(
      400,
      `utterances: each must be a non-empty string of at most ${MAX_UTTERANCE_CHARS} characters`,
    );
  return { owner, utterances: lines };
}

/**
 * `GET /status` → SandboxStatus; `PUT /stt/script` `{ owner, utterances }` takes the script for
 * one call (409 while another owner holds it); `DELETE /stt/script?owner=` gives it back.
 */
export async function startSandboxControl(options: {
  token: string;
  status: () => SandboxStatus;
  target: CallerScriptTarget;
  leaseMs?: number;
  now?: () => number;
}): Promise<SandboxControlServer> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const now = options.now ?? (() => Date.now());
  let lease: { owner: string; until: number } | undefined;

  const route = async (req: http.IncomingMessage): Promise<{ status: number; body?: unknown }> => {
    if (!isLoopback(req.socket.remoteAddress)) throw new RequestError(403, 'loopback only');
    const header = req.headers[SANDBOX_TOKEN_HEADER];
    if (!sameToken(Array.isArray(header) ? header[0] : header, options.token))
      throw new RequestError(401, 'missing or invalid sandbox token');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/status' && req.method === 'GET') return { status: 200, body: options.status() };
    if (url.pathname !== '/stt/script') throw new RequestError(404, 'not found');
    if (lease && lease.until <= now()) lease = undefined;
    if (req.method === 'PUT') {
      const { owner, utterances } = parseScriptRequest(await readJson(req));
      if (lease && lease.owner !== owner)
        throw new RequestError(
          409,
          `another simulated call is in progress (its script is held for up to ${Math.ceil((lease.until - now()) / 1000)} s more)`,
        );
      lease = { owner, until: now() + leaseMs };
      options.target.replace(utterances);
      return { status: 200, body: { utterances } };
    }
    if (req.method === 'DELETE') {
      if (lease?.owner === url.searchParams.get('owner')) {
        lease = undefined;
        // Leftovers of an aborted call must not become the next call's words.
        options.target.replace([]);
      }
      return { status: 204 };
    }
    throw new RequestError(405, 'method not allowed');
  };

  const server = http.createServer((req, res) => {
    route(req).then(
      ({ status, body }) => {
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (error: unknown) => {
        const status = error instanceof RequestError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- client (npm run call) ---------------------------------------------------------------------

/** The control endpoint answered with an error status (e.g. 409: another call holds the script). */
export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxControlError';
  }
}

async function call(access: SandboxControlAccess, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${access.url}${path}`, {
    method,
    headers: {
      [SANDBOX_TOKEN_HEADER]: access.token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(3000),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error =
      typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string'
        ? (json as { error: string }).error
        : `HTTP ${response.status}`;
    throw new SandboxControlError(response.status, error);
  }
  return json;
}

export async function fetchSandboxStatus(access: SandboxControlAccess): Promise<SandboxStatus> {
  return (await call(access, 'GET', '/status')) as SandboxStatus;
}

export async function holdCallerScript(
  access: SandboxControlAccess,
  owner: string,
  utterances: readonly string[],
): Promise<void> {
  await call(access, 'PUT', '/stt/script', { owner, utterances });
}

export async function releaseCallerScript(access: SandboxControlAccess, owner: string): Promise<void> {
  await call(access, 'DELETE', `/stt/script?owner=${encodeURIComponent(owner)}`);
}
