/**
 * AssemblyAI Universal-Streaming (v3) emulator for the real `assemblyai` SDK:
 * `client.streaming.transcriber({ websocketBaseUrl: await emulator.start(), ... })`.
 * wss on loopback with the cached test certificate (the SDK refuses plain ws), path `/v3/ws`,
 * auth by `Authorization: <key>` or `?token=`. Turns are detected from the audio's energy by audio
 * time; transcripts come from a script. See types.ts for the knobs and the records kept.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { ensureTestCertificate, trustTestCertificateInProcess } from '../tls';
import { EmulatedStreamingSession, type SessionHost } from './session';
import { TranscriptSource } from './transcripts';
import type {
  AuthMethod,
  DropOptions,
  StreamingEmulatorOptions,
  StreamingEmulatorSettings,
  StreamingSessionRecord,
  StreamingTurnRecord,
  TranscriptResponder,
} from './types';

export const DEFAULT_STREAMING_API_KEY = 'test-assemblyai-streaming-key';
const STREAMING_PATH = '/v3/ws';

const DEFAULT_SETTINGS: StreamingEmulatorSettings = {
  voicedRms: 500,
  speechStartMs: 60,
  minUtteranceMs: 150,
  minTurnSilenceMs: 400,
  finalizationMs: 0,
  partialIntervalMs: 200,
  latencyMs: 0,
  chunkLimits: { minMs: 50, maxMs: 1000 },
};
const SUPPORTED_ENCODINGS = new Set(['pcm_mulaw', 'pcm_s16le']);

interface ConnectionFault {
  code: number;
  reason: string;
}

export class AssemblyAiStreamingEmulator implements SessionHost {
  readonly settings: StreamingEmulatorSettings;
  readonly transcripts: TranscriptSource;
  private readonly apiKeys: Set<string>;
  private readonly tokens = new Set<string>();
  private readonly live = new Set<EmulatedStreamingSession>();
  /** Every upgraded socket, refused ones included (their close handshake could outlive stop()). */
  private readonly sockets = new Set<WebSocket>();
  private records: StreamingSessionRecord[] = [];
  private faults: ConnectionFault[] = [];
  private server: https.Server | undefined;
  private wss: WebSocketServer | undefined;
  private baseUrl: string | undefined;

  constructor(private readonly options: StreamingEmulatorOptions = {}) {
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as Partial<StreamingEmulatorSettings>;
    this.settings = { ...DEFAULT_SETTINGS, ...pickSettings(defined) };
    this.apiKeys = new Set(options.apiKeys ?? [DEFAULT_STREAMING_API_KEY]);
    this.transcripts = new TranscriptSource(options.responder);
  }

  /**
   * Listens (idempotent) and resolves to the SDK's `websocketBaseUrl`: `wss://127.0.0.1:<port>/v3/ws`.
   * The SDK uses that URL as is and only adds the query, so it includes the path. Also makes this
   * process trust the test certificate (for in-band jest runs; workers get NODE_EXTRA_CA_CERTS).
   */
  async start(): Promise<string> {
    if (this.baseUrl !== undefined) return this.baseUrl;
    const tls = await ensureTestCertificate();
    trustTestCertificateInProcess(tls);
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(wss, req, socket, head),
    );
    server.on('tlsClientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.wss = wss;
    this.baseUrl = `wss://127.0.0.1:${(server.address() as AddressInfo).port}${STREAMING_PATH}`;
    return this.baseUrl;
  }

  /** The `websocketBaseUrl` of a started emulator. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('AssemblyAiStreamingEmulator is not started');
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const { server, wss } = this;
    if (!server || !wss) return;
    this.server = undefined;
    this.wss = undefined;
    this.baseUrl = undefined;
    for (const session of [...this.live]) session.stop();
    this.live.clear();
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Appends utterances; each turn (across sessions, in order) transcribes to the next one. */
  script(utterances: readonly string[]): this {
    this.transcripts.script(utterances);
    return this;
  }

  /** Transcript of turns once the script is used up (undefined: `utterance <n>`). */
  respondWith(responder: TranscriptResponder | undefined): this {
    this.transcripts.respondWith(responder);
    return this;
  }

  /** Changes detection/timing knobs; open sessions pick them up from their next event. */
  configure(patch: Partial<StreamingEmulatorSettings>): this {
    Object.assign(this.settings, pickSettings(patch));
    return this;
  }

  /** A temporary token accepted as `?token=` (what `GET /v3/token` would issue). */
  createTemporaryToken(): string {
    const token = `tmp_${randomUUID()}`;
    this.tokens.add(token);
    return token;
  }

  /** Every connection so far (rejected ones too), in arrival order. */
  get sessions(): readonly StreamingSessionRecord[] {
    return this.records;
  }

  /** Every turn of every session, in session then turn order. */
  get turns(): readonly StreamingTurnRecord[] {
    return this.records.flatMap((s) => s.turns);
  }

  get activeSessionCount(): number {
    return this.live.size;
  }

  /** Kills every open session without a Termination; returns how many. */
  dropActiveSessions(options: DropOptions = {}): number {
    const sessions = [...this.live];
    for (const session of sessions) session.drop(options.mode ?? 'destroy', options.code ?? 1011);
    return sessions.length;
  }

  /**
   * The next `count` connections fail before Begin: a WebSocket close `code` (e.g. 1011, 4029, 3005)
   * after the upgrade, or, for codes below 1000, an HTTP status instead of the upgrade.
   */
  failNextConnections(count: number, code = 1011, reason = 'Server error'): this {
    for (let i = 0; i < count; i++) this.faults.push({ code, reason });
    return this;
  }

  /** Forgets records, script, pending faults and setting changes; open sessions are dropped. */
  reset(): void {
    for (const session of [...this.live]) session.stop();
    this.live.clear();
    this.records = [];
    this.faults = [];
    this.transcripts.reset();
    this.transcripts.respondWith(this.options.responder);
    const defined = Object.fromEntries(
      Object.entries(this.options).filter(([, v]) => v !== undefined),
    ) as Partial<StreamingEmulatorSettings>;
    Object.assign(this.settings, DEFAULT_SETTINGS, pickSettings(defined));
  }

  sessionEnded(session: EmulatedStreamingSession): void {
    this.live.delete(session);
  }

  private upgrade(wss: WebSocketServer, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname !== STREAMING_PATH) {
      rejectUpgrade(socket, 404);
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    const record = this.newRecord(url.pathname, query, req);
    const fault = this.faults.shift();
    if (fault && fault.code < 1000) {
      record.endedBy = 'rejected';
      record.closeCode = fault.code;
      rejectUpgrade(socket, fault.code);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, record, fault));
  }

  private accept(ws: WebSocket, record: StreamingSessionRecord, fault: ConnectionFault | undefined): void {
    ws.on('error', () => undefined);
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    const refuse = (code: number, reason: string) => {
      record.endedBy = 'rejected';
      record.closeCode = code;
      record.closedAt = performance.now();
      ws.close(code, reason);
    };
    if (fault) return refuse(fault.code, fault.reason);
    if (!record.auth.accepted) return refuse(4001, 'Not Authorized');
    if (!(Number.isInteger(record.sampleRate) && record.sampleRate > 0))
      return refuse(4000, 'Sample rate must be a positive integer');
    if (!SUPPORTED_ENCODINGS.has(record.encoding))
      return refuse(3006, `Input validation error: encoding ${record.encoding} is not emulated`);
    record.id = randomUUID();
    const session = new EmulatedStreamingSession(ws, record, this);
    this.live.add(session);
    session.begin();
  }

  private newRecord(path: string, query: Record<string, string>, req: http.IncomingMessage): StreamingSessionRecord {
    const token = query.token;
    const header = req.headers.authorization;
    let method: AuthMethod = 'none';
    let credential: string | undefined;
    let accepted = false;
    if (token !== undefined) {
      method = 'token';
      credential = token;
      accepted = this.tokens.has(token);
    } else if (header !== undefined) {
      method = 'apiKey';
      credential = header;
      accepted = this.apiKeys.has(header);
    }
    const silence = Number(query.min_turn_silence ?? query.min_end_of_turn_silence_when_confident);
    const record: StreamingSessionRecord = {
      index: this.records.length,
      id: '',
      path,
      query,
      auth: { method, credential, accepted },
      timeOrigin: performance.timeOrigin,
      openedAt: performance.now(),
      sampleRate: Number(query.sample_rate),
      encoding: query.encoding ?? 'pcm_s16le',
      bytesReceived: 0,
      audioMessages: 0,
      audioMs: 0,
      controlMessages: [],
      minTurnSilenceMs: Number.isFinite(silence) && silence >= 0 ? silence : this.settings.minTurnSilenceMs,
      turns: [],
    };
    this.records.push(record);
    return record;
  }
}

function pickSettings(source: Partial<StreamingEmulatorSettings>): Partial<StreamingEmulatorSettings> {
  const picked: Partial<StreamingEmulatorSettings> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof StreamingEmulatorSettings)[]) {
    if (source[key] !== undefined) (picked as Record<string, unknown>)[key] = source[key];
  }
  return picked;
}

function rejectUpgrade(socket: Duplex, status: number): void {
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}
