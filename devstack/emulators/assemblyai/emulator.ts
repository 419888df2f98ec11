/**
 * AssemblyAI async REST emulator (`/v2/upload`, `/v2/transcript`) for the real `assemblyai` SDK via
 * `new AssemblyAI({ apiKey, baseUrl: await emulator.start() })`: scripted transcripts that move
 * queued -> processing -> completed|error as they are polled, injectable HTTP errors and a record of
 * every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { defaultScript, spreadWords } from './audio';
import { LoopbackHttpServer } from '../shared/listen';
import type {
  AssemblyAiEmulatorOptions,
  EmulatedTranscriptView,
  EmulatedUpload,
  HttpFault,
  Progression,
  RecordedRequest,
  Route,
  ScriptedOutcome,
  TranscriptScript,
  TranscriptStatus,
} from './types';

const DEFAULT_PROGRESSION: Progression = { queuedPolls: 1, processingPolls: 1, processingDelayMs: 0 };
const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const REMOTE_AUDIO_TIMEOUT_MS = 5_000;

interface TranscriptState extends EmulatedTranscriptView {
  createdAt: number;
  polls: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AssemblyAiEmulator {
  private readonly http: LoopbackHttpServer;
  private recorded: RecordedRequest[] = [];
  private readonly uploadsById = new Map<string, EmulatedUpload>();
  private readonly transcriptsById = new Map<string, TranscriptState>();
  private queue: ScriptedOutcome[] = [];
  private faults: HttpFault[] = [];
  private script: TranscriptScript;
  private progression: Progression;

  constructor(private readonly options: AssemblyAiEmulatorOptions) {
    this.http = new LoopbackHttpServer('AssemblyAiEmulator', (req, res) => this.handle(req, res), options.port);
    this.script = options.script ?? defaultScript;
    this.progression = { ...DEFAULT_PROGRESSION, ...options.progression };
  }

  /** Starts listening (idempotent); resolves to the SDK's `baseUrl` (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** Forgets requests, uploads, transcripts, queued outcomes, faults and script/progression changes. */
  reset(): void {
    this.recorded = [];
    this.uploadsById.clear();
    this.transcriptsById.clear();
    this.queue = [];
    this.faults = [];
    this.script = this.options.script ?? defaultScript;
    this.progression = { ...DEFAULT_PROGRESSION, ...this.options.progression };
  }

  get baseUrl(): string {
    return this.http.requireUrl();
  }

  /** Outcomes used first-in first-out for the next transcripts, before the script; a string is a transcript text. */
  enqueue(...outcomes: Array<ScriptedOutcome | string>): void {
    this.queue.push(...outcomes.map((outcome) => (typeof outcome === 'string' ? { text: outcome } : outcome)));
  }

  /** `undefined` restores the constructor's script (or the default sentence). */
  setScript(script: TranscriptScript | undefined): void {
    this.script = script ?? this.options.script ?? defaultScript;
  }

  setProgression(progression: Partial<Progression>): void {
    this.progression = { ...this.progression, ...progression };
  }

  /** The next `times` requests (to `fault.route`, if given) get this HTTP error. */
  failNext(fault: HttpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  get uploads(): readonly EmulatedUpload[] {
    return [...this.uploadsById.values()];
  }

  get transcripts(): readonly EmulatedTranscriptView[] {
    return [...this.transcriptsById.values()].map(toView);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const route = routeOf(req.method ?? '', path);
    const record: RecordedRequest = {
      index: this.recorded.length,
      method: req.method ?? '',
      path,
      route: route?.name ?? 'unknown',
      authorized: req.headers.authorization === this.options.apiKey,
      bodyBytes: 0,
      receivedAt: Date.now(),
    };
    this.recorded.push(record);
    try {
      const body = await readBody(req, this.options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
      record.bodyBytes = body.length;
      if (!route) throw new HttpError(404, `Not found: ${record.method} ${path}`);
      if (!record.authorized) throw new HttpError(401, 'Authentication error, API token missing/invalid');
      const fault = this.takeFault(route.name);
      if (fault) throw new HttpError(fault.status, fault.error ?? `Injected ${fault.status} error`);
      const reply = await this.answer(route, body, record);
      record.status = 200;
      sendJson(res, 200, reply);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      record.status = status;
      sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async answer(route: { name: Route; id?: string }, body: Buffer, record: RecordedRequest): Promise<object> {
    switch (route.name) {
      case 'upload':
        return { upload_url: this.storeUpload(body).url };
      case 'create': {
        const params = parseJsonObject(body);
        record.json = params;
        return this.createTranscript(params);
      }
      case 'get':
        return this.pollTranscript(route.id ?? '');
    }
  }

  private storeUpload(bytes: Buffer): EmulatedUpload {
    if (bytes.length === 0) throw new HttpError(422, 'Upload failed: the file is empty');
    const id = randomUUID();
    const upload = { id, url: `${this.baseUrl}/upload/${id}`, bytes };
    this.uploadsById.set(id, upload);
    return upload;
  }

  private createTranscript(params: Record<string, unknown>): object {
    const audioUrl = params.audio_url;
    if (typeof audioUrl !== 'string' || audioUrl.length === 0) throw new HttpError(400, 'audio_url is required');
    const state: TranscriptState = {
      id: randomUUID(),
      audioUrl,
      params,
      servedStatuses: [],
      outcome: undefined,
      createdAt: Date.now(),
      polls: 0,
    };
    this.transcriptsById.set(state.id, state);
    // Like the real service, answer "queued" at once and fetch the audio in the background.
    void this.loadAudio(audioUrl).then((audio) => {
      state.outcome = audio
        ? this.decide({ audio, audioUrl, params })
        : { error: `Download error, unable to download ${audioUrl}` };
    });
    return transcriptJson(state, 'queued');
  }

  private pollTranscript(id: string): object {
    const state = this.transcriptsById.get(id);
    if (!state) throw new HttpError(404, 'Transcript lookup error, transcript id not found');
    const poll = state.polls++;
    const { queuedPolls, processingPolls, processingDelayMs } = this.progression;
    let status: TranscriptStatus;
    if (poll < queuedPolls) status = 'queued';
    else if (poll < queuedPolls + processingPolls || Date.now() < state.createdAt + processingDelayMs || !state.outcome)
      status = 'processing';
    else status = 'error' in state.outcome ? 'error' : 'completed';
    state.servedStatuses.push(status);
    return transcriptJson(state, status);
  }

  private decide(input: Parameters<TranscriptScript>[0]): ScriptedOutcome {
    const queued = this.queue.shift();
    if (queued) return queued;
    try {
      const outcome = this.script(input);
      return typeof outcome === 'string' ? { text: outcome } : outcome;
    } catch (error) {
      return { error: `emulator script failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** An upload of ours, or a loopback URL (a test media server); anything else is unreachable offline. */
  private async loadAudio(audioUrl: string): Promise<Buffer | undefined> {
    const uploadId = /\/upload\/([0-9a-f-]+)$/.exec(audioUrl)?.[1];
    if (audioUrl.startsWith(`${this.http.url ?? '\0'}/upload/`) && uploadId)
      return this.uploadsById.get(uploadId)?.bytes;
    let url: URL;
    try {
      url = new URL(audioUrl);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) return undefined;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(REMOTE_AUDIO_TIMEOUT_MS) });
      return response.ok ? Buffer.from(await response.arrayBuffer()) : undefined;
    } catch {
      return undefined;
    }
  }

  private takeFault(route: Route): HttpFault | undefined {
    const index = this.faults.findIndex((fault) => fault.route === undefined || fault.route === route);
    return index < 0 ? undefined : this.faults.splice(index, 1)[0];
  }
}

function routeOf(method: string, path: string): { name: Route; id?: string } | undefined {
  if (method === 'POST' && path === '/v2/upload') return { name: 'upload' };
  if (method === 'POST' && path === '/v2/transcript') return { name: 'create' };
  const id = /^\/v2\/transcript\/([^/]+)$/.exec(path)?.[1];
  if (method === 'GET' && id) return { name: 'get', id };
  return undefined;
}

/** The subset of the real transcript object the SDK and our code read, with nulls where the API sends them. */
function transcriptJson(state: TranscriptState, status: TranscriptStatus): object {
  const params = state.params;
  const base = {
    id: state.id,
    status,
    audio_url: state.audioUrl,
    language_code: typeof params.language_code === 'string' ? params.language_code : 'en_us',
    language_detection: params.language_detection === true,
    speech_model: typeof params.speech_model === 'string' ? params.speech_model : null,
    punctuate: true,
    format_text: true,
    webhook_url: null,
    text: null as string | null,
    words: null as object[] | null,
    confidence: null as number | null,
    audio_duration: null as number | null,
  };
  const outcome = state.outcome;
  if (status === 'error' && outcome && 'error' in outcome) return { ...base, error: outcome.error };
  if (status !== 'completed' || !outcome || 'error' in outcome) return base;
  const confidence = outcome.confidence ?? 0.9;
  return {
    ...base,
    ...(outcome.languageCode ? { language_code: outcome.languageCode } : {}),
    text: outcome.text,
    words: outcome.words ?? spreadWords(outcome.text, outcome.audioDurationSeconds, confidence),
    confidence,
    audio_duration: outcome.audioDurationSeconds !== undefined ? Math.round(outcome.audioDurationSeconds) : null,
  };
}

function toView(state: TranscriptState): EmulatedTranscriptView {
  return {
    id: state.id,
    audioUrl: state.audioUrl,
    params: state.params,
    servedStatuses: [...state.servedStatuses],
    outcome: state.outcome,
  };
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'Request body must be a JSON object');
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `Upload larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
    .end(payload);
}
