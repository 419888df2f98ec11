/** How fast the emulated voice "speaks" and streams. */
export interface TtsTiming {
  /** Delay from the request to the response headers and first audio byte. Default 0; benchmarks use 150. */
  ttfbMs: number;
  /** Audio length per character of text. Default 60 ms. */
  msPerChar: number;
  /** Shortest audio of any synthesis. Default 200 ms. */
  minDurationMs: number;
  /** Bytes per streamed chunk (1600 = 200 ms). Default 1600. */
  chunkBytes: number;
  /**
   * Streaming rate after the first byte as a multiple of real time (1 = paced like playback, 10 =
   * ten times faster). Default Infinity: as fast as the socket takes it.
   */
  speed: number;
}

export interface TtsEmulatorOptions extends Partial<TtsTiming> {
  /** The only `xi-api-key` accepted. */
  apiKey: string;
  /** Port to listen on (loopback); default any free one. */
  port?: number;
}

/** An injected fault, used by the next request that passes the API-key check. */
export type TtsFault = { kind: 'status'; status: number; message?: string } | { kind: 'drop' };

/** Every request the emulator received, in arrival order; `index` is its k. */
export interface TtsRequestRecord {
  index: number;
  method: string;
  path: string;
  voiceId: string | undefined;
  outputFormat: string | null;
  /** `text` of the JSON body ('' when missing or unreadable). */
  text: string;
  modelId: string | undefined;
  voiceSettings: unknown;
  /** `language_code`, when the request named one. */
  languageCode?: string;
  /** HTTP status answered (200 for audio streams, also those dropped or aborted later). */
  status: number | undefined;
  /** The injected fault this request consumed, if any. */
  fault: TtsFault | undefined;
  /** The client's port: equal for requests that shared a keep-alive connection. */
  remotePort: number | undefined;
  receivedAt: number;
  firstByteAt: number | undefined;
  /** When the response finished, was dropped, or the client went away. */
  endedAt: number | undefined;
  /** Audio bytes written to the socket. */
  bytes: number;
  /** Audio bytes the full synthesis has. */
  plannedBytes: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The emulator destroyed the socket mid-stream (`dropNext`). */
  dropped: boolean;
}
