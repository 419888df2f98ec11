/** Wire shapes of a bidirectional Twilio Media Stream and what the caller emulator records. */

/** Twilio → app. Counters are strings on the wire; sampleRate/channels are numbers. */
export interface ConnectedMessage {
  event: 'connected';
  protocol: 'Call';
  version: '1.0.0';
}

export interface StartMessage {
  event: 'start';
  sequenceNumber: string;
  streamSid: string;
  start: {
    accountSid: string;
    streamSid: string;
    callSid: string;
    tracks: ['inbound'];
    customParameters: Record<string, string>;
    mediaFormat: { encoding: 'audio/x-mulaw'; sampleRate: 8000; channels: 1 };
  };
}

interface InboundMediaMessage {
  event: 'media';
  sequenceNumber: string;
  streamSid: string;
  media: { track: 'inbound'; chunk: string; timestamp: string; payload: string };
}

export interface DtmfMessage {
  event: 'dtmf';
  streamSid: string;
  sequenceNumber: string;
  dtmf: { track: 'inbound_track'; digit: string };
}

export interface MarkEchoMessage {
  event: 'mark';
  streamSid: string;
  sequenceNumber: string;
  mark: { name: string };
}

export interface StopMessage {
  event: 'stop';
  sequenceNumber: string;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

export type TwilioToAppMessage =
  ConnectedMessage | StartMessage | InboundMediaMessage | DtmfMessage | MarkEchoMessage | StopMessage;

/** App → Twilio (two-way streams only). */
export type AppToTwilioMessage =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

/** Every message the app sent, with its arrival time (performance.now()). Media keep no raw text (see `media`). */
export interface ReceivedMessage {
  at: number;
  /** The `event` field when there was one. */
  event: string | undefined;
  /** Raw text of non-media messages (media payloads would make long calls heavy; their bytes are in `media`). */
  raw?: string;
  valid: boolean;
}

export interface ReceivedMedia {
  at: number;
  bytes: Buffer;
}

export interface ProtocolError {
  at: number;
  reason: string;
  /** The offending message, truncated. */
  raw: string;
}

/** A run of app audio that actually played, on the playback clock (8 bytes per ms). */
export interface PlayedSegment {
  startAt: number;
  endAt: number;
  bytes: Buffer;
}

/** Audio thrown away by a `clear` before it played. */
export interface DroppedAudio {
  at: number;
  bytes: Buffer;
}

export interface EchoedMark {
  name: string;
  reason: 'played' | 'cleared';
  /** When the echo was sent. */
  at: number;
  /** When the mark arrived from the app. */
  queuedAt: number;
}

/** A stretch inside one agent response where nothing played (a playback underrun). */
export interface PlaybackGap {
  startAt: number;
  endAt: number;
  durationMs: number;
  /** 0 = audio before the caller's first utterance ended; n = after the n-th utterance. */
  responseIndex: number;
}

/** One scripted caller utterance (say()), on the caller's clock. */
export interface Utterance {
  /** When its first frame was sent. */
  startAt: number;
  /** When its last voiced frame was sent: the end of caller speech. */
  voicedEndAt: number;
  /** When its last frame was sent. */
  endAt: number;
  /** Media `chunk` numbers of its first and last frames: its exact place in the stream. */
  firstChunk: number;
  lastChunk: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  by: 'hangup' | 'drop' | 'app' | 'error';
  at: number;
}

export interface MediaStreamsConnectOptions {
  accountSid: string;
  callSid: string;
  /** Generated (MZ + 32 hex) when omitted. */
  streamSid?: string;
  /** The TwiML `<Parameter>`s: arrive as `start.customParameters`. */
  customParameters?: Record<string, string>;
  /** Sent on the upgrade request, e.g. `X-Twilio-Signature`. */
  headers?: Record<string, string>;
  /**
   * Caller/callee numbers, kept for the test's bookkeeping only: Twilio's `start` carries no numbers,
   * so an app learns them only through `customParameters` (put them there if the TwiML does).
   */
  from?: string;
  to?: string;
  /** Linear RMS above which an outgoing frame counts as voiced for say()'s end-of-speech time. */
  voicedRmsThreshold?: number;
  /** Give up on the WebSocket handshake after this long (default 10 s). */
  openTimeoutMs?: number;
}

export type SayInput = Buffer | { durationMs: number; seed: number };
