/**
 * Voyage AI embeddings emulator (`POST /v1/embeddings`) for the real `voyageai` SDK via
 * `new VoyageAIClient({ apiKey, baseUrl: `${await emulator.start()}/v1` })`: meaningful vectors (see
 * text-embedder.ts), Voyage's validation and limits, injectable failures and a record of every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../shared/listen';
import { TextEmbedder } from './text-embedder';
import type { VoyageEmulatorOptions, VoyageFault, VoyageRequestRecord } from './types';
import { loadWordVectors } from './word-vectors';
import {
  base64Embedding,
  countTokens,
  defaultDetail,
  DETAIL,
  parseEmbeddingsRequest,
  truncateToTokens,
  type EmbeddingsRequest,
} from './wire-format';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export class VoyageEmulator {
  private readonly http: LoopbackHttpServer;
  private readonly keys: readonly string[];
  private embedder: TextEmbedder | undefined;
  private recorded: VoyageRequestRecord[] = [];
  private faults: VoyageFault[] = [];
  private latencyMs: number;

  constructor(options: VoyageEmulatorOptions) {
    this.keys = Array.isArray(options.apiKey) ? options.apiKey : [options.apiKey];
    this.latencyMs = options.latencyMs ?? 0;
    this.http = new LoopbackHttpServer('VoyageEmulator', (req, res) => this.handle(req, res), options.port);
  }

  /** Loads the word vectors (building their cache on first use) and listens; resolves to `http://127.0.0.1:<port>`. */
  async start(): Promise<string> {
    this.embedder ??= new TextEmbedder(await loadWordVectors());
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** The SDK's `baseUrl` (the API root, with `/v1`) while started. */
  get baseUrl(): string {
    return `${this.http.requireUrl()}/v1`;
  }

  /** The next `times` authorised requests fail: with this HTTP status (Voyage's body), or as the fault says. */
  failNext(fault: number | VoyageFault, times = 1): void {
    const resolved: VoyageFault = typeof fault === 'number' ? { kind: 'status', status: fault } : fault;
    for (let i = 0; i < times; i++) this.faults.push(resolved);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  get requests(): readonly VoyageRequestRecord[] {
    return this.recorded;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const record: VoyageRequestRecord = {
      index: this.recorded.length,
      method: req.method ?? '',
      path,
      authorized: this.isAuthorized(req),
      inputs: 0,
      receivedAt: Date.now(),
    };
    this.recorded.push(record);
    try {
      const raw = await readBody(req);
      if (path !== '/v1/embeddings') throw new HttpError(404, 'Not Found');
      if (req.method !== 'POST') throw new HttpError(405, 'Method Not Allowed');
      if (!record.authorized) throw new HttpError(401, DETAIL.unauthorized);
      const fault = this.faults.shift();
      if (fault) record.fault = fault;
      if (fault?.kind === 'drop') {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        const headers: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        throw new HttpError(fault.status, fault.detail ?? defaultDetail(fault.status), headers);
      }
      const delay = this.latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
      // A client that gives up closes the connection: stop waiting then, so no timer outlives the request.
      if (delay > 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      if (res.destroyed) return;

      const parsed = parseEmbeddingsRequest(raw.toString('utf8'));
      if (!parsed.ok) throw new HttpError(400, parsed.detail);
      const request = parsed.value;
      Object.assign(record, {
        model: request.model,
        inputType: request.inputType,
        inputs: request.texts.length,
        outputDimension: request.outputDimension,
        encodingFormat: request.encodingFormat,
        truncation: request.truncation,
      });
      const body = this.answer(request, record);
      record.status = 200;
      sendJson(res, 200, body);
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, DETAIL.serverError);
      record.status = httpError.status;
      sendJson(res, httpError.status, { detail: httpError.detail }, httpError.headers);
    }
  }

  private answer(request: EmbeddingsRequest, record: VoyageRequestRecord): object {
    const { spec } = request;
    const texts = request.texts.map((text, index) => {
      if (countTokens(text) <= spec.contextTokens) return text;
      if (!request.truncation)
        throw new HttpError(
          400,
          `Input text at index ${index} has ${countTokens(text)} tokens, which exceeds the context length of ${spec.contextTokens} tokens for ${request.model}. Set truncation to true to truncate it.`,
        );
      return truncateToTokens(text, spec.contextTokens);
    });
    const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0);
    record.tokens = tokens;
    if (tokens > spec.batchTokens)
      throw new HttpError(
        400,
        `Request to model '${request.model}' failed. The max allowed tokens per submitted batch is ${spec.batchTokens}. Your batch has ${tokens} tokens after truncation. Please lower the number of tokens in the batch.`,
      );
    const embedder = this.embedder!;
    const started = performance.now();
    const vectors = texts.map((text) => embedder.embed(text, request.dimension));
    record.embedMs = performance.now() - started;
    return {
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        embedding: request.encodingFormat === 'base64' ? base64Embedding(vector) : Array.from(vector),
        index,
      })),
      model: request.model,
      usage: { total_tokens: tokens },
    };
  }

  private isAuthorized(req: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match !== null && this.keys.includes(match[1]!);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...headers,
    })
    .end(payload);
}
