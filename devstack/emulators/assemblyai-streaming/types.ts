/** Public types of the AssemblyAI Universal-Streaming (v3) emulator. */

export interface StreamingEmulatorOptions {
  /** Keys accepted in the `Authorization` header. Default: [DEFAULT_STREAMING_API_KEY]. */
  apiKeys?: string[];
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
  /** Linear RMS (0..32767) above which a 20 ms window of audio counts as voiced. Default 500. */
  voicedRms?: number;
  /** Continuous voiced audio before speech counts as started (SpeechStarted). Default 60 ms. */
  speechStartMs?: number;
  /** A turn with less voiced audio than this is noise (a cough): its final Turn has no words. Default 150 ms. */
  minUtteranceMs?: number;
  /** Silence that ends a turn unless the connection sets `min_turn_silence`. Default 400 ms. */
  minTurnSilenceMs?: number;
  /** Wall-clock time between detecting the end of a turn and sending its final Turn. Default 0. */
  finalizationMs?: number;
  /** Audio time between partial Turns while the caller speaks (each reveals one more word). Default 200 ms. */
  partialIntervalMs?: number;
  /** Wall-clock delay on every server → client message, Begin included. Default 0. */
  latencyMs?: number;
  /**
   * Binary messages outside this duration close the session with 3007, as the real service does
   * (it takes 50..1000 ms per message). `false` accepts any size. Default { minMs: 50, maxMs: 1000 }.
   */
  chunkLimits?: { minMs: number; maxMs: number } | false;
  /** Transcript of a turn once the script is used up. Default: `utterance <n>` (n counts turns emulator-wide). */
  responder?: TranscriptResponder;
}

/** Options that can change while the emulator runs (new values apply from the next event on). */
export type StreamingEmulatorSettings = Required<Omit<StreamingEmulatorOptions, 'apiKeys' | 'port' | 'responder'>>;

export interface ResponderContext {
  /** 0-based index of the session (connection) among all the emulator accepted. */
  sessionIndex: number;
  /** `turn_order` of the turn in its session. */
  turnOrder: number;
  /** Audio time (ms since the session's first byte) at which the speech started. */
  audioMs: number;
  /** The connection's query parameters. */
  query: Readonly<Record<string, string>>;
}

/** Returns the (formatted) text a turn transcribes to; see `formatTurnText` / `unformatTurnText`. */
export type TranscriptResponder = (ctx: ResponderContext) => string;

export type AuthMethod = 'apiKey' | 'token' | 'none';

export type SessionEnd =
  /** `Terminate` → `Termination` → close 1000. */
  | 'terminated'
  /** The client closed the socket without `Terminate`. */
  | 'client-closed'
  /** Auth failed (4001) or an injected connection failure. */
  | 'rejected'
  /** `dropActiveSessions()`. */
  | 'dropped'
  /** A protocol violation (bad chunk size 3007, bad message 4101). */
  | 'protocol-error'
  /** `stop()` while the session was open. */
  | 'emulator-stopped';

export interface StreamingTurnRecord {
  turnOrder: number;
  /** Formatted transcript (what the `turn_is_formatted` Turn carries). */
  transcript: string;
  /** Audio time of the first voiced window of the speech. */
  speechStartAudioMs: number;
  /** Audio time at the end of the last voiced window (set when the end of the turn is detected). */
  speechEndAudioMs?: number;
  /** performance.now() when SpeechStarted was decided. */
  speechStartedAt: number;
  /** performance.now() when the message carrying the last voiced audio arrived. */
  speechEndedAt?: number;
  /** performance.now() when the end of turn was detected (silence, ForceEndpoint or Terminate). */
  endOfTurnDetectedAt?: number;
  /** performance.now() when the final Turn was written to the socket. */
  endOfTurnSentAt?: number;
  endedBy?: 'silence' | 'force-endpoint' | 'terminate';
  /** The session ended before the final Turn was sent (its scripted text went back to the script). */
  aborted?: boolean;
}

export interface StreamingSessionRecord {
  index: number;
  /** Begin `id` (empty for rejected connections). */
  id: string;
  path: string;
  query: Record<string, string>;
  auth: { method: AuthMethod; credential: string | undefined; accepted: boolean };
  /**
   * `performance.timeOrigin` of the emulator's process: every `*At` here is performance.now() there,
   * so add this to compare with timestamps taken in another process.
   */
  timeOrigin: number;
  /** performance.now() at the upgrade. */
  openedAt: number;
  closedAt?: number;
  /** Close code the session ended with (1006 when the emulator dropped the TCP connection). */
  closeCode?: number;
  endedBy?: SessionEnd;
  sampleRate: number;
  encoding: string;
  bytesReceived: number;
  audioMessages: number;
  /** Audio received, in ms of audio at the session's sample rate and encoding. */
  audioMs: number;
  /** Control messages in arrival order (`ForceEndpoint`, `KeepAlive`, `UpdateConfiguration`, `Terminate`). */
  controlMessages: string[];
  /** Effective end-of-turn silence (query `min_turn_silence`, or UpdateConfiguration, or the default). */
  minTurnSilenceMs: number;
  turns: StreamingTurnRecord[];
}

export interface DropOptions {
  /** 'destroy' (default): the TCP socket dies with no close frame (the client sees 1006). 'close': a close frame with `code`. */
  mode?: 'destroy' | 'close';
  /** Close code for mode 'close'. Default 1011. */
  code?: number;
}
