/**
 * One AssemblyAI streaming session of a call: audio batching, formatted finals, and reconnecting a
 * dropped socket with backoff while replaying the audio of the unfinished turn.
 */
import { performance } from 'node:perf_hooks';
import type { SpeechStartedEvent, StreamingTranscriber, TurnEvent } from 'assemblyai';
import { MULAW_SAMPLE_RATE, MULAW_SILENCE } from '../audio/mulaw';
import type { Logger } from '../observability/logger';
import type { AssemblyAiSttSettings as Settings } from './assemblyai-stt-options';
import { errorMessage, PERMANENT_CODES, sttError, toSttError } from './assemblyai-stt-errors';
import { Backoff } from '../runtime/backoff';
import type { SttError, SttSession, SttSessionEvents } from './stt';
import { TurnAudio } from './turn-audio';

const BYTES_PER_MS = MULAW_SAMPLE_RATE / 1000;
/**
 * A final's last word can end a little before the voice does (trailing sounds); the next turn cannot
 * start that soon after (the turn ended on silence), so this much more audio counts as covered.
 */
const WORD_END_GUARD_MS = 100;

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

export class AssemblyAiSttSession implements SttSession {
  private state: State = 'connecting';
  private conn: Connection | undefined;
  private readonly audio: TurnAudio;
  private inTurn = false;
  private lastPartial = '';
  private held: HeldFinal | undefined;
  private forceAfterReplay = false;
  private readonly backoff = new Backoff();
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
    this.backoff.cancel();
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
      if (attempt > 0) await this.backoff.wait(attempt, this.settings.reconnect);
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
    this.backoff.cancel();
    if (this.conn) dispose(this.conn);
    this.conn = undefined;
    this.log.error({ code: error.code, err: error.message }, 'AssemblyAI streaming session failed');
    this.safely(() => this.events.error(error));
  }

  private stopping(): boolean {
    return this.state === 'closing' || this.state === 'closed' || this.state === 'failed';
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
