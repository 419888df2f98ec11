/**
 * Streaming speech-to-text for one call leg, provider-neutral: the voice loop feeds the caller's
 * audio in and gets turns out. Implementations own reconnection, so a dropped provider socket is
 * invisible here unless it cannot be repaired (then `error`).
 */

import { ProviderError, type ProviderErrorDetails } from '../providers/provider-error';

export interface SttTurn {
  /** Final (formatted, when the provider formats) transcript of the turn; never empty. */
  transcript: string;
  /** performance.now() when the final transcript arrived: the start of the reply's latency budget. */
  receivedAt: number;
  /** Provider confidence that the turn has ended, 0..1, when it says. */
  endOfTurnConfidence?: number;
}

export interface SttSessionEvents {
  /** The caller started talking (once per turn): the cue to stop playing the agent's audio. */
  speechStarted(): void;
  /** Interim text of the turn in progress; it may still change. */
  partial(text: string): void;
  /** The caller finished a turn. */
  endOfTurn(turn: SttTurn): void;
  /** The session is beyond repair (credentials refused, reconnects exhausted); nothing follows. */
  error(err: SttError): void;
}

export interface SttSession {
  /** 8 kHz G.711 mu-law, any length (Twilio sends 20 ms frames). Never throws; ignored once closed. */
  sendAudio(mulaw: Uint8Array): void;
  /** End the current turn now, without waiting for silence. */
  forceEndpoint(): void;
  /** Sends what is buffered, ends the provider session and waits (bounded) for its last transcripts. Never rejects. */
  close(): Promise<void>;
}

export interface SttOpenOptions {
  /** Put in log lines, to follow a call. */
  callId?: string;
}

export interface SpeechToText {
  /** Connects; rejects with SttError when the provider cannot be reached or refuses the credentials. */
  open(events: SttSessionEvents, options?: SttOpenOptions): Promise<SttSession>;
}

/** Speech recognition failed; `code` is the provider's close/error code (AssemblyAI: 4001 not authorized, ...). */
export class SttError extends ProviderError {
  override readonly name = 'SttError';
  readonly code: number | undefined;

  constructor(message: string, details: ProviderErrorDetails & { code?: number }) {
    super('stt', message, details);
    this.code = details.code;
  }
}
