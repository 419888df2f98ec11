/**
 * ElevenLabs-compatible streaming TTS emulator (`POST /v1/text-to-speech/{voiceId}/stream?output_format=ulaw_8000`)
 * on loopback HTTP: configurable time to first byte and streaming rate, injectable faults, a record
 * of every request, and audio that says which request produced it (see ./audio).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from '../shared/listen';
import { findSignatures, plannedAudioBytes, SIGNATURE_CAPACITY, signatureAudio } from './audio';
import type { TtsEmulatorOptions, TtsFault, TtsRequestRecord, TtsTiming } from './types';

const DEFAULT_TIMING: TtsTiming = { ttfbMs: 0, msPerChar: 60, minDurationMs: 200, chunkBytes: 1600, speed: Infinity };
const MAX_BODY_BYTES = 1024 * 1024;
const ROUTE = /^\/v1\/text-to-speech\/([^/]+)\/stream$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class TtsEmulator {
  private readonly http: LoopbackHttpServer;
  private recorded: TtsRequestRecord[] = [];
  private faults: TtsFault[] = [];
  private timing: TtsTiming;
  private waiters = new Map<number, Array<(record: TtsRequestRecord) => void>>();

  constructor(private readonly options: TtsEmulatorOptions) {
    this.http = new LoopbackHttpServer('TtsEmulator', (req, res) => this.handle(req, res), options.port);
    this.timing = timingFrom(options);
  }

  /** Starts listening (idempotent); resolves to the provider's `baseUrl`. */
  async start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  get baseUrl(): string {
    return this.http.requireUrl();
  }

  /** Forgets requests (indices restart at 0), faults and timing changes. */
  reset(): void {
    this.recorded = [];
    this.faults = [];
    this.timing = timingFrom(this.options);
    this.waiters.clear();
  }

  setTiming(timing: Partial<TtsTiming>): void {
    this.timing = { ...this.timing, ...timing };
  }

  /** The next `times` authorized requests are answered with this HTTP status (JSON error body). */
  failNext(status: number, times = 1, message?: string): void {
    for (let i = 0; i < times; i++) this.faults.push({ kind: 'status', status, ...(message ? { message } : {}) });
  }

  /** The next `times` syntheses stream about half their audio, then the socket is destroyed. */
  dropNext(times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ kind: 'drop' });
  }

  get requests(): readonly TtsRequestRecord[] {
    return this.recorded;
  }

  /** The text request k asked for. */
  textOf(k: number): string {
    const record = this.recorded[k];
    if (!record) throw new RangeError(`TtsEmulator has no request ${k} (it has ${this.recorded.length})`);
    return record.text;
  }

  /**
   * Indices of the requests whose audio appears in `bytes`, in order of first appearance. Bytes must
   * be unmodified (no gain, no resampling); a fragment shorter than about one period (1 ms) may go
   * unseen. After {@link SIGNATURE_CAPACITY} requests signatures repeat and every candidate is listed.
   */
  identify(bytes: Uint8Array): number[] {
    const indices: number[] = [];
    for (const signature of findSignatures(bytes)) {
      for (let k = signature; k < this.recorded.length; k += SIGNATURE_CAPACITY) indices.push(k);
    }
    return indices;
  }

  /** Audio bytes a synthesis of `text` has at the current timing. */
  audioBytesFor(text: string): number {
    return plannedAudioBytes(text, this.timing.msPerChar, this.timing.minDurationMs);
  }

  /** Resolves with request k's record once its response has ended (finished, dropped, or abandoned by the client). */
  settled(k: number): Promise<TtsRequestRecord> {
    const record = this.recorded[k];
    if (record?.endedAt !== undefined) return Promise.resolve(record);
    return new Promise((resolve) => {
      const list = this.waiters.get(k) ?? [];
      list.push(resolve);
      this.waiters.set(k, list);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const record: TtsRequestRecord = {
      index: this.recorded.length,
      method: req.method ?? '',
      path: url.pathname,
      voiceId: ROUTE.exec(url.pathname)?.[1],
      outputFormat: url.searchParams.get('output_format'),
      text: '',
      modelId: undefined,
      voiceSettings: undefined,
      status: undefined,
      fault: undefined,
      remotePort: req.socket.remotePort,
      receivedAt: Date.now(),
      firstByteAt: undefined,
      endedAt: undefined,
      bytes: 0,
      plannedBytes: 0,
      aborted: false,
      dropped: false,
    };
    this.recorded.push(record);
    res.once('close', () => {
      if (!res.writableFinished && !record.dropped) record.aborted = true;
      this.settle(record);
    });
    try {
      const body = parseBody(await readBody(req), record);
      if (record.voiceId === undefined) throw new HttpError(404, `Not found: ${url.pathname}`);
      if (record.method !== 'POST') throw new HttpError(405, 'Method not allowed');
      if (req.headers['xi-api-key'] !== this.options.apiKey) throw new HttpError(401, 'Invalid API key');
      const fault = (record.fault = this.faults.shift());
      if (fault?.kind === 'status')
        throw new HttpError(fault.status, fault.message ?? `Injected ${fault.status} error`);
      if (record.outputFormat !== 'ulaw_8000')
        throw new HttpError(400, `Unsupported output_format: ${record.outputFormat ?? '(none)'}`);
      if (body === undefined || record.text.trim() === '')
        throw new HttpError(400, 'A JSON body with a non-empty "text" is required');
      await this.stream(record, res, fault?.kind === 'drop');
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      record.status = status;
      if (res.headersSent || res.destroyed) return;
      const message = error instanceof Error ? error.message : String(error);
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ detail: { status: statusName(status), message } }));
    }
  }

  private async stream(record: TtsRequestRecord, res: ServerResponse, drop: boolean): Promise<void> {
    const timing = this.timing;
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    record.plannedBytes = plannedAudioBytes(record.text, timing.msPerChar, timing.minDurationMs);
    if (timing.ttfbMs > 0 && !(await pause(timing.ttfbMs, closed))) return;
    record.status = 200;
    res.writeHead(200, { 'content-type': 'audio/basic' });
    const limit = drop ? Math.max(2, Math.floor(record.plannedBytes / 4) * 2) : record.plannedBytes;
    const firstAt = Date.now();
    while (record.bytes < limit && !res.destroyed) {
      // Chunk n leaves when the audio before it would have played `speed` times faster than real time.
      const due = firstAt + record.bytes / 8 / timing.speed;
      if (record.bytes > 0 && due > Date.now() && !(await pause(due - Date.now(), closed))) return;
      const length = Math.min(timing.chunkBytes, limit - record.bytes);
      const chunk = signatureAudio(record.index, record.bytes, length);
      const last = record.bytes + length >= limit;
      record.firstByteAt ??= Date.now();
      record.bytes += length;
      if (last && drop) {
        record.dropped = true;
        // Destroy only once the bytes are flushed, so the client sees audio then a broken stream.
        res.write(chunk, () => res.socket?.destroy());
        return;
      }
      if (!res.write(chunk) && !(await drained(res, closed))) return;
    }
    if (!res.destroyed) res.end();
  }

  private settle(record: TtsRequestRecord): void {
    record.endedAt ??= Date.now();
    if (this.recorded[record.index] !== record) return; // from before a reset()
    const list = this.waiters.get(record.index);
    if (!list) return;
    this.waiters.delete(record.index);
    for (const resolve of list) resolve(record);
  }
}

function timingFrom(options: TtsEmulatorOptions): TtsTiming {
  const timing = { ...DEFAULT_TIMING };
  for (const key of Object.keys(DEFAULT_TIMING) as Array<keyof TtsTiming>) {
    const value = options[key];
    if (value !== undefined) timing[key] = value;
  }
  return timing;
}

/** Fills the record from the JSON body; undefined when the body is not a JSON object. */
function parseBody(body: Buffer, record: TtsRequestRecord): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const json = parsed as Record<string, unknown>;
  if (typeof json.text === 'string') record.text = json.text;
  if (typeof json.model_id === 'string') record.modelId = json.model_id;
  record.voiceSettings = json.voice_settings;
  if (typeof json.language_code === 'string') record.languageCode = json.language_code;
  return json;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Waits `ms`; false if the client went away first (the timer is cleared either way). */
async function pause(ms: number, closed: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([elapsed, closed.then(() => false)]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the socket to take more; false if the client went away first. */
async function drained(res: ServerResponse, closed: Promise<void>): Promise<boolean> {
  const drain = new Promise<boolean>((resolve) => res.once('drain', () => resolve(true)));
  return Promise.race([drain, closed.then(() => false)]);
}

function statusName(status: number): string {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'too_many_concurrent_requests';
  if (status >= 500) return 'internal_error';
  return 'invalid_request';
}
