/**
 * Twilio's side of a bidirectional Media Stream (`<Connect><Stream>`): a WebSocket client that
 * sends `connected` and `start`, then one inbound media frame every 20 ms for the whole call in
 * real time, and plays back what the app sends at the line rate, echoing marks like Twilio does.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { speech } from '../audio';
import { findPlaybackGaps } from './analysis';
import { PlaybackBuffer } from './playback';
import { CallerScript } from './script';
import { FRAME_MS, sharedTicker, type FrameTicker, type TickSubscriber } from './ticker';
import type {
  CloseInfo,
  DroppedAudio,
  EchoedMark,
  MediaStreamsConnectOptions,
  PlaybackGap,
  PlayedSegment,
  ProtocolError,
  ReceivedMedia,
  ReceivedMessage,
  SayInput,
  TwilioToAppMessage,
  Utterance,
} from './types';
import {
  connectedMessage,
  dtmfMessage,
  markEchoMessage,
  mediaMessageText,
  parseAppMessage,
  startMessage,
  stopMessage,
} from './wire';

/** The upgrade was refused (e.g. 403 for a bad signature) or the socket never opened. */
export class MediaStreamsConnectError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
  ) {
    super(message);
    this.name = 'MediaStreamsConnectError';
  }
}

const DTMF_DIGITS = /^[0-9*#]$/;
const DEFAULT_VOICED_RMS = 500;

interface Waiter {
  predicate: () => boolean;
  resolve(): void;
}

export class MediaStreamsCaller implements TickSubscriber {
  readonly streamSid: string;
  readonly accountSid: string;
  readonly callSid: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  /** performance.now() when `start` went out; media timestamps count from here. */
  readonly startedAt: number;
  /** Every message from the app, in arrival order. */
  readonly received: ReceivedMessage[] = [];
  /** Decoded audio of each valid media message from the app. */
  readonly media: ReceivedMedia[] = [];
  readonly protocolErrors: ProtocolError[] = [];
  /** Times the app sent `clear`. */
  readonly clears: number[] = [];
  /** Socket and internal errors: recorded here, never thrown into timers. */
  readonly errors: Error[] = [];
  /** Non-media messages sent to the app (media frames are counted in `framesSent`). */
  readonly sent: { at: number; message: TwilioToAppMessage }[] = [];
  /** Resolves once the socket has closed, whoever closed it. Never rejects. */
  readonly closed: Promise<CloseInfo>;

  private readonly quotedStreamSid: string;
  private readonly playback: PlaybackBuffer;
  private readonly script: CallerScript;
  private sequence = 0;
  private chunk = 0;
  private closing: CloseInfo['by'] | undefined;
  private closeInfo: CloseInfo | undefined;
  private waiters: Waiter[] = [];
  /** The ticker tick that sends media chunk 1. */
  private readonly firstTick: number;

  /** Use MediaStreamsCaller.connect(). */
  private constructor(
    private readonly socket: WebSocket,
    options: MediaStreamsConnectOptions,
    private readonly ticker: FrameTicker,
  ) {
    this.accountSid = options.accountSid;
    this.callSid = options.callSid;
    this.streamSid = options.streamSid ?? `MZ${randomBytes(16).toString('hex')}`;
    this.from = options.from;
    this.to = options.to;
    this.quotedStreamSid = JSON.stringify(this.streamSid);
    this.script = new CallerScript(options.voicedRmsThreshold ?? DEFAULT_VOICED_RMS);
    this.playback = new PlaybackBuffer((name) =>
      this.sendJson(markEchoMessage(this.nextSequence(), this.streamSid, name)),
    );
    this.closed = new Promise<CloseInfo>((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        const at = performance.now();
        this.shutdown(new Error(`call ended (${this.closing ?? 'app'})`), at);
        this.closeInfo = { code, reason: reason.toString(), by: this.closing ?? 'app', at };
        resolve(this.closeInfo);
      });
    });
    socket.on('error', (error) => this.errors.push(error));
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));

    this.sendJson(connectedMessage());
    this.sendJson(
      startMessage(
        this.nextSequence(),
        { accountSid: this.accountSid, callSid: this.callSid, streamSid: this.streamSid },
        options.customParameters ?? {},
      ),
    );
    this.startedAt = performance.now();
    this.firstTick = ticker.add(this);
  }

  /** Opens the stream like Twilio does and starts the 20 ms frame clock. */
  static async connect(
    url: string,
    options: MediaStreamsConnectOptions,
    ticker: FrameTicker = sharedTicker,
  ): Promise<MediaStreamsCaller> {
    const socket = new WebSocket(url, {
      headers: options.headers,
      perMessageDeflate: false,
      handshakeTimeout: options.openTimeoutMs ?? 10_000,
    });
    return new Promise<MediaStreamsCaller>((resolve, reject) => {
      const fail = (error: MediaStreamsConnectError): void => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(error);
      };
      // Built inside the open handler so no early message from the app can slip past the listeners.
      socket.once('open', () => {
        socket.removeAllListeners();
        try {
          resolve(new MediaStreamsCaller(socket, options, ticker));
        } catch (error) {
          socket.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      socket.once('unexpected-response', (_request, response) => {
        fail(
          new MediaStreamsConnectError(
            `WebSocket upgrade refused with HTTP ${response.statusCode ?? '?'}`,
            response.statusCode,
          ),
        );
      });
      socket.once('error', (error) => fail(new MediaStreamsConnectError(error.message, undefined)));
    });
  }

  /** Frames sent so far (media `chunk` of the last one). */
  get framesSent(): number {
    return this.chunk;
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined && this.closing === undefined;
  }

  /** Queues audio after anything already scripted; resolves with the time its last voiced frame went out. */
  say(audio: SayInput): Promise<number> {
    return this.script.say(Buffer.isBuffer(audio) ? audio : speech(audio.durationMs, audio.seed));
  }

  /** Resolves once `ms` of silence has gone out after what is already scripted. */
  pause(ms: number): Promise<void> {
    return this.script.pause(ms);
  }

  /** Sends a `dtmf` event now (audio keeps flowing, as on a real call). */
  dtmf(digit: string): void {
    if (!DTMF_DIGITS.test(digit)) throw new Error(`not a DTMF digit: ${JSON.stringify(digit)}`);
    this.sendJson(dtmfMessage(this.nextSequence(), this.streamSid, digit));
  }

  /** The caller hangs up: `stop`, then a normal close. */
  async hangup(): Promise<CloseInfo> {
    if (this.isOpen) {
      this.closing = 'hangup';
      this.ticker.remove(this);
      this.sendJson(
        stopMessage(this.nextSequence(), this.streamSid, { accountSid: this.accountSid, callSid: this.callSid }),
      );
      this.socket.close(1000);
    }
    return this.closed;
  }

  /** The call drops: the TCP connection goes away with no `stop` and no close handshake. */
  async drop(): Promise<CloseInfo> {
    if (this.isOpen) {
      this.closing = 'drop';
      this.ticker.remove(this);
      this.socket.terminate();
    }
    return this.closed;
  }

  /** Resolves when `predicate` holds, checked on every tick and every app message; rejects after `timeoutMs`. */
  async waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitUntil timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  // ---- what the app's audio did -------------------------------------------------------------

  /** Audio that actually played, in order. */
  get played(): readonly PlayedSegment[] {
    return this.playback.played;
  }

  /** Audio a `clear` dropped before it played. */
  get dropped(): readonly DroppedAudio[] {
    return this.playback.dropped;
  }

  get marks(): readonly EchoedMark[] {
    return this.playback.marks;
  }

  get utterances(): readonly Utterance[] {
    return this.script.utterances;
  }

  /** App audio queued at Twilio and not yet played. */
  get bufferedBytes(): number {
    this.advancePlayback();
    return this.playback.bufferedBytes;
  }

  /** Arrival time of the first app media message after `t`, if any. */
  firstAudioAfter(t: number): number | undefined {
    return this.media.find((m) => m.at > t)?.at;
  }

  /** All app audio that arrived after `t`, concatenated. */
  audioReceivedAfter(t: number): Buffer {
    return Buffer.concat(this.media.filter((m) => m.at > t).map((m) => m.bytes));
  }

  /** Everything that played, concatenated. */
  playedAudio(): Buffer {
    return Buffer.concat(this.playback.played.map((s) => s.bytes));
  }

  /** Underruns inside agent responses (see findPlaybackGaps). */
  playbackGaps(minGapMs = FRAME_MS): PlaybackGap[] {
    this.advancePlayback();
    return findPlaybackGaps(
      this.playback.played,
      this.script.utterances.map((u) => u.voicedEndAt),
      this.clears,
      minGapMs,
    );
  }

  // ---- clock and socket -----------------------------------------------------------------------

  /** @internal Called by the ticker: sends every frame due by this tick, then advances playback. */
  onTick(now: number, tick: number): void {
    if (!this.isOpen) return;
    const due = tick - this.firstTick + 1;
    while (this.chunk < due && this.isOpen) {
      const frame = this.script.nextFrame();
      const timestamp = this.chunk * FRAME_MS;
      this.chunk++;
      this.socket.send(
        mediaMessageText(this.nextSequence(), this.quotedStreamSid, this.chunk, timestamp, frame.payload),
      );
      frame.sent(performance.now(), this.chunk);
    }
    this.playback.advance(now);
    this.checkWaiters();
  }

  /** @internal */
  onTickError(error: unknown): void {
    this.errors.push(error instanceof Error ? error : new Error(String(error)));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const at = performance.now();
    try {
      if (isBinary) {
        this.received.push({ at, event: undefined, valid: false });
        this.protocolErrors.push({ at, reason: 'binary frame (Twilio expects JSON text)', raw: '' });
        return;
      }
      const text = rawDataToString(data);
      const parsed = parseAppMessage(text, this.streamSid);
      if (!parsed.ok) {
        this.received.push({ at, event: parsed.event, raw: text.slice(0, 500), valid: false });
        this.protocolErrors.push({ at, reason: parsed.reason, raw: text.slice(0, 500) });
        return;
      }
      const message = parsed.message;
      switch (message.event) {
        case 'media': {
          const bytes = Buffer.from(message.media.payload, 'base64');
          this.received.push({ at, event: 'media', valid: true });
          this.media.push({ at, bytes });
          this.playback.enqueueAudio(bytes, at);
          break;
        }
        case 'mark':
          this.received.push({ at, event: 'mark', raw: text, valid: true });
          this.playback.enqueueMark(message.mark.name, at);
          break;
        case 'clear':
          this.received.push({ at, event: 'clear', raw: text, valid: true });
          this.clears.push(at);
          this.playback.clear(at);
          break;
      }
      this.checkWaiters();
    } catch (error) {
      this.onTickError(error);
    }
  }

  private sendJson(message: TwilioToAppMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.sent.push({ at: performance.now(), message });
    this.socket.send(JSON.stringify(message));
  }

  /** Plays up to now while the call is up; after it ends, playback stays where the call ended. */
  private advancePlayback(): void {
    if (this.closeInfo === undefined) this.playback.advance(performance.now());
  }

  private nextSequence(): number {
    return ++this.sequence;
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.predicate());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }

  private shutdown(error: Error, at: number): void {
    this.ticker.remove(this);
    this.script.abort(error);
    this.playback.advance(at);
    this.checkWaiters();
  }
}

function rawDataToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
