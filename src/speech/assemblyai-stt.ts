/**
 * SpeechToText on AssemblyAI Universal-Streaming (v3) through the official SDK: 8 kHz mu-law straight
 * from Twilio, sent in ~50 ms chunks, formatted final turns. A socket that drops mid-call is
 * reconnected with backoff, and the new session is given the audio of the unfinished turn, so the
 * caller's utterance still ends as one turn.
 */
import { performance } from 'node:perf_hooks';
import {
  AssemblyAI,
  type SpeechStartedEvent,
  type StreamingSpeechModel,
  type StreamingTranscriber,
  type TurnEvent,
} from 'assemblyai';
import { MULAW_SAMPLE_RATE, MULAW_SILENCE } from '../audio/mulaw';
import { createLogger, type Logger } from '../observability/logger';
import { SttError, type SpeechToText, type SttOpenOptions, type SttSession, type SttSessionEvents } from './stt';
import { TurnAudio } from './turn-audio';

export interface AssemblyAiSttOptions {
  apiKey: string;
  /** Full streaming URL (`wss://…/v3/ws`, e.g. an emulator's); defaults to AssemblyAI's. */
  websocketBaseUrl?: string;
  speechModel?: StreamingSpeechModel;
  /** Silence that ends a turn when the model is confident (`min_turn_silence`). */
  minTurnSilenceMs?: number;
  /** Silence that ends a turn regardless (`max_turn_silence`). */
  maxTurnSilenceMs?: number;
  endOfTurnConfidenceThreshold?: number;
  /** Audio per message. AssemblyAI recommends 50 ms and refuses < 50 or > 1000. Default 50. */
  chunkMs?: number;
  /** Most audio kept for a replay after a reconnect. Default 30 s. */
  replayCapMs?: number;
  /** One connection attempt, TLS and Begin included. Default 5 s. */
  connectTimeoutMs?: number;
  /** How long close() waits for Termination. Default 3 s. */
  terminationTimeoutMs?: number;
  reconnect?: {
    /** Connection attempts (first one immediate) before giving up with `error`. Default 5. */
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
  };
  logger?: Logger;
}

type Settings = Required<
  Omit<
    AssemblyAiSttOptions,
    | 'apiKey'
    | 'websocketBaseUrl'
    | 'minTurnSilenceMs'
    | 'maxTurnSilenceMs'
    | 'endOfTurnConfidenceThreshold'
    | 'reconnect'
    | 'logger'
  >
> &
  Pick<
    AssemblyAiSttOptions,
    'websocketBaseUrl' | 'minTurnSilenceMs' | 'maxTurnSilenceMs' | 'endOfTurnConfidenceThreshold'
  > & {
    reconnect: Required<NonNullable<AssemblyAiSttOptions['reconnect']>>;
  };

const BYTES_PER_MS = MULAW_SAMPLE_RATE / 1000;
/**
 * A final's last word can end a little before the voice does (trailing sounds); the next turn cannot
 * start that soon after (the turn ended on silence), so this much more audio counts as covered.
 */
const WORD_END_GUARD_MS = 100;
/** Codes the SDK also treats as permanent: bad sample rate, auth, funds, free tier, bad schema. */
const PERMANENT_CODES = new Set([4000, 4001, 4002, 4003, 4101]);

export class AssemblyAiStt implements SpeechToText {
  private readonly client: AssemblyAI;
  private readonly settings: Settings;
  private readonly log: Logger;

  constructor(options: AssemblyAiSttOptions) {
    this.client = new AssemblyAI({ apiKey: options.apiKey });
    this.log = options.logger ?? createLogger('assemblyai-stt');
    this.settings = {
      websocketBaseUrl: options.websocketBaseUrl,
      speechModel: options.speechModel ?? 'universal-streaming-english',
      minTurnSilenceMs: options.minTurnSilenceMs,
      maxTurnSilenceMs: options.maxTurnSilenceMs,
      endOfTurnConfidenceThreshold: options.endOfTurnConfidenceThreshold,
      chunkMs: Math.min(1000, Math.max(50, options.chunkMs ?? 50)),
      replayCapMs: options.replayCapMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      terminationTimeoutMs: options.terminationTimeoutMs ?? 3_000,
      reconnect: { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 4_000, ...options.reconnect },
    };
  }

  async open(events: SttSessionEvents, options: SttOpenOptions = {}): Promise<SttSession> {
    const session = new AssemblyAiSttSession(
      () => this.createTranscriber(),
      this.settings,
      events,
      this.log.child({ callId: options.callId }),
    );
    await session.start();
    return session;
  }

  private createTranscriber(): StreamingTranscriber {
    const s = this.settings;
    return this.client.streaming.transcriber({
      ...(s.websocketBaseUrl ? { websocketBaseUrl: s.websocketBaseUrl } : {}),
      sampleRate: MULAW_SAMPLE_RATE,
      encoding: 'pcm_mulaw',
      speechModel: s.speechModel,
      formatTurns: true,
      ...(s.minTurnSilenceMs !== undefined ? { minTurnSilence: s.minTurnSilenceMs } : {}),
      ...(s.maxTurnSilenceMs !== undefined ? { maxTurnSilence: s.maxTurnSilenceMs } : {}),
      ...(s.endOfTurnConfidenceThreshold !== undefined
        ? { endOfTurnConfidenceThreshold: s.endOfTurnConfidenceThreshold }
        : {}),
      connectTimeout: s.connectTimeoutMs,
      // Retries are ours (backoff with jitter, replay); the SDK's would only add a second layer.
      maxConnectionRetries: 0,
    });
  }
}

type State = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed' | 'failed';

interface Connection {
  transcriber: StreamingTranscriber;
  /** Absolute audio position (bytes) at this connection's audio time 0. */
  base: number;
}

/** An unformatted final held until its formatted copy arrives. */
interface HeldFinal {
  turnOrder: number;
  transcript: string;
  receivedAt: number;
  confidence: number;
}

class AssemblyAiSttSession implements SttSession {
  private state: State = 'connecting';
  private conn: Connection | undefined;
  private readonly audio: TurnAudio;
  private inTurn = false;
  private lastPartial = '';
  private held: HeldFinal | undefined;
  private forceAfterReplay = false;
  private backoffWait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly createTranscriber: () => StreamingTranscriber,
    private readonly settings: Settings,
    private readonly events: SttSessionEvents,
    private readonly log: Logger,
  ) {
    const chunkBytes = Math.round(settings.chunkMs) * BYTES_PER_MS;
    this.audio = new TurnAudio(chunkBytes, Math.max(chunkBytes, settings.replayCapMs * BYTES_PER_MS), MULAW_SILENCE);
  }

  async start(): Promise<void> {
    try {
      const conn = await this.connectWithRetries();
      if (conn) this.adopt(conn);
    } catch (error) {
      this.state = 'failed';
      throw toSttError(error);
    }
  }

  sendAudio(mulaw: Uint8Array): void {
    if (!(mulaw instanceof Uint8Array) || mulaw.length === 0) return;
    if (this.state !== 'open' && this.state !== 'reconnecting') return;
    this.audio.push(mulaw, this.emitChunk);
  }

  forceEndpoint(): void {
    if (this.state !== 'open' && this.state !== 'reconnecting') return;
    // The provider must have every byte of the turn before it is told the turn is over.
    this.audio.flush(this.emitChunk);
    const conn = this.conn;
    if (this.state !== 'open' || !conn) {
      this.forceAfterReplay = true;
      return;
    }
    try {
      conn.transcriber.forceEndpoint();
    } catch {
      this.forceAfterReplay = true;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readonly emitChunk = (chunk: Buffer): void => {
    if (this.state === 'open' && this.conn) this.sendChunk(this.conn, chunk);
  };

  private sendChunk(conn: Connection, chunk: Buffer): void {
    try {
      // A copy: the websocket masks outgoing data in place, and this chunk may be replayed later.
      conn.transcriber.sendAudio(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length));
    } catch {
      // The socket is going away; its close handler reconnects and replays this chunk.
    }
  }

  private async shutdown(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closing';
    this.cancelBackoff();
    const conn = this.conn;
    if (conn && wasOpen) {
      this.audio.flush((chunk) => this.sendChunk(conn, chunk));
      try {
        // Turns that finish while Terminate is answered still reach the listeners.
        await conn.transcriber.close(true, this.settings.terminationTimeoutMs);
      } catch (error) {
        this.log.debug({ err: errorMessage(error) }, 'AssemblyAI streaming close failed');
      }
    } else if (conn) {
      dispose(conn);
    }
    this.conn = undefined;
    this.deliverHeld();
    this.state = 'closed';
  }

  /** Connects, with backoff between attempts; undefined when the session was closed meanwhile. */
  private async connectWithRetries(): Promise<Connection | undefined> {
    const { maxAttempts } = this.settings.reconnect;
    let last: SttError | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      if (this.stopping()) return undefined;
      try {
        const conn = await this.connectOnce();
        if (!this.stopping()) return conn;
        dispose(conn);
        return undefined;
      } catch (error) {
        last = toSttError(error);
        if (last.code !== undefined && PERMANENT_CODES.has(last.code)) throw last;
        this.log.warn(
          { attempt: attempt + 1, maxAttempts, code: last.code, err: last.message },
          'AssemblyAI streaming connection attempt failed',
        );
      }
    }
    throw sttError(
      `AssemblyAI streaming: no connection after ${maxAttempts} attempts (${last?.message ?? 'unknown error'})`,
      last?.code,
    );
  }

  private async connectOnce(): Promise<Connection> {
    const transcriber = this.createTranscriber();
    const conn: Connection = { transcriber, base: 0 };
    transcriber.on('turn', (turn) => this.onTurn(conn, turn));
    onSpeechStarted(transcriber, () => {
      if (conn === this.conn) this.noteSpeech();
    });
    transcriber.on('close', (code, reason) => this.onClose(conn, code, reason));
    transcriber.on('error', (error) => {
      if (conn === this.conn) this.log.warn({ err: error.message }, 'AssemblyAI streaming error');
    });
    await transcriber.connect();
    return conn;
  }

  /** Makes `conn` current and gives it the audio no final transcript has covered yet. */
  private adopt(conn: Connection): void {
    const { start, chunks } = this.audio.retained();
    conn.base = start;
    this.conn = conn;
    this.state = 'open';
    for (const chunk of chunks) this.sendChunk(conn, chunk);
    if (this.forceAfterReplay) {
      this.forceAfterReplay = false;
      this.forceEndpoint();
    }
  }

  private onClose(conn: Connection, code: number, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    dispose(conn);
    this.deliverHeld();
    if (this.state !== 'open') return;
    if (PERMANENT_CODES.has(code)) {
      this.fail(sttError(`AssemblyAI streaming closed the session: ${reason || 'no reason'} (code ${code})`, code));
      return;
    }
    this.log.warn({ code, reason }, 'AssemblyAI streaming socket closed mid-call; reconnecting');
    this.state = 'reconnecting';
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    try {
      const conn = await this.connectWithRetries();
      if (conn && this.state === 'reconnecting') this.adopt(conn);
      else if (conn) dispose(conn);
    } catch (error) {
      this.fail(toSttError(error));
    }
  }

  private onTurn(conn: Connection, turn: TurnEvent): void {
    if (conn !== this.conn) return;
    const receivedAt = performance.now();
    if (!turn.end_of_turn) {
      const text = turn.transcript.trim();
      if (text === '') return;
      this.noteSpeech();
      if (text !== this.lastPartial) {
        this.lastPartial = text;
        this.safely(() => this.events.partial(text));
      }
      return;
    }
    this.releaseCovered(conn, turn);
    if (!turn.turn_is_formatted) {
      // The formatted copy follows (format_turns); hold this one in case it never does.
      this.deliverHeld();
      this.held = {
        turnOrder: turn.turn_order,
        transcript: turn.transcript,
        receivedAt,
        confidence: turn.end_of_turn_confidence,
      };
      return;
    }
    if (this.held && this.held.turnOrder !== turn.turn_order) this.deliverHeld();
    this.held = undefined;
    this.deliver(turn.transcript, receivedAt, turn.end_of_turn_confidence);
  }

  /** Audio up to the turn's last word is transcribed; a replay no longer needs it. */
  private releaseCovered(conn: Connection, turn: TurnEvent): void {
    let lastWordEnd = -1;
    for (const word of turn.words) lastWordEnd = Math.max(lastWordEnd, word.end);
    if (lastWordEnd < 0) return;
    const covered = conn.base + Math.floor((lastWordEnd + WORD_END_GUARD_MS) * BYTES_PER_MS);
    this.audio.release(Math.min(covered, this.audio.end));
  }

  private noteSpeech(): void {
    if (this.inTurn) return;
    this.inTurn = true;
    this.safely(() => this.events.speechStarted());
  }

  private deliverHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (held) this.deliver(held.transcript, held.receivedAt, held.confidence);
  }

  private deliver(transcript: string, receivedAt: number, confidence: number): void {
    this.inTurn = false;
    this.lastPartial = '';
    const text = transcript.trim();
    if (text === '' || this.state === 'closed' || this.state === 'failed') return;
    this.safely(() => this.events.endOfTurn({ transcript: text, receivedAt, endOfTurnConfidence: confidence }));
  }

  private fail(error: SttError): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'closing') return;
    this.state = 'failed';
    this.cancelBackoff();
    if (this.conn) dispose(this.conn);
    this.conn = undefined;
    this.log.error({ code: error.code, err: error.message }, 'AssemblyAI streaming session failed');
    this.safely(() => this.events.error(error));
  }

  private stopping(): boolean {
    return this.state === 'closing' || this.state === 'closed' || this.state === 'failed';
  }

  /** Exponential backoff with equal jitter; close() cuts it short. */
  private backoff(attempt: number): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.settings.reconnect;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.backoffWait = undefined;
        resolve();
      }, delay);
      this.backoffWait = { timer, resolve };
    });
  }

  private cancelBackoff(): void {
    const wait = this.backoffWait;
    this.backoffWait = undefined;
    if (!wait) return;
    clearTimeout(wait.timer);
    wait.resolve();
  }

  /** A listener that throws must not break the socket handlers that called it. */
  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.log.error({ err: errorMessage(error) }, 'speech-to-text listener threw');
    }
  }
}

/** The SDK dispatches SpeechStarted to an `on('speechStarted')` listener, but its typings lack that overload. */
function onSpeechStarted(transcriber: StreamingTranscriber, listener: (event: SpeechStartedEvent) => void): void {
  const on = transcriber.on.bind(transcriber) as unknown as (
    event: 'speechStarted',
    listener: (event: SpeechStartedEvent) => void,
  ) => void;
  on('speechStarted', listener);
}

function dispose(conn: Connection): void {
  conn.transcriber.close(false).catch(() => undefined);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toSttError(error: unknown): SttError {
  if (error instanceof SttError) return error;
  const raw = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof raw === 'number' ? raw : undefined;
  const what = code === 4001 ? 'refused the credentials' : 'connection failed';
  return sttError(
    `AssemblyAI streaming ${what}: ${errorMessage(error)}${code !== undefined ? ` (code ${code})` : ''}`,
    code,
  );
}

/** Refused credentials, funds or parameters fail the same way next time; anything else (network) may not. */
function sttError(message: string, code: number | undefined): SttError {
  return new SttError(message, {
    provider: 'assemblyai',
    retryable: code === undefined || !PERMANENT_CODES.has(code),
    ...(code === undefined ? {} : { code }),
  });
}
