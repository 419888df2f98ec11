/**
 * Messages between bench/voice-calls.ts (the system under test and the emulators) and its callers
 * process, bench/voice-callers.ts (Twilio's side of every call: webhooks and Media Streams).
 * Plain JSON over the IPC channel.
 */

/** Where the callers reach the system, and what they need to act as Twilio. */
export interface CallerTarget {
  /** `http://127.0.0.1:<port>` of the gateway: webhooks go here. */
  gatewayUrl: string;
  /** `ws://…/twilio/media-stream` through the gateway. */
  mediaStreamUrl: string;
  /** The address Twilio believes it calls: webhook signatures cover it. */
  publicUrl: string;
  accountSid: string;
  authToken: string;
  /** The Twilio REST emulator (calls are created there first, as on Twilio). */
  twilioApiBaseUrl: string;
  agentNumber: string;
}

export interface RunRequest {
  type: 'run';
  level: number;
  turns: number;
  /** Call i starts i * staggerMs after the first. */
  staggerMs: number;
  /** Each call's first turn starts at a random offset in [0, spreadMs) after the go, so ends of speech are not synchronized. */
  spreadMs: number;
  connectTimeoutMs: number;
  /** How long a call may wait for its greeting, then for each reply, to be heard to its end. */
  turnTimeoutMs: number;
  /** The app sent nothing for this long after everything it sent had played: its reply is over. */
  quietMs: number;
  /** Caller numbers are `${numberPrefix}${firstNumber + i}` (4 digits). */
  numberPrefix: string;
  firstNumber: number;
  seed: number;
  target: CallerTarget;
}

export type ToCallers = RunRequest | { type: 'go' };

export interface CpuTime {
  userMicros: number;
  systemMicros: number;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CallerTurnResult {
  turnId: number;
  speechMs: number;
  /** Caller side: last voiced frame sent (say()'s time) → first frame of the reply received. */
  firstAudioMs?: number;
  /** The agent's reply was heard to its end within the turn timeout. */
  answered: boolean;
  /** Calls connected (all processes) when this turn's speech ended. */
  concurrent: number;
}

export interface CallResult {
  index: number;
  remote: string;
  callSid?: string;
  greeted: boolean;
  /** What went wrong, if anything (the call still reports what it measured before). */
  error?: string;
  turns: CallerTurnResult[];
  /** Underruns inside agent responses (MediaStreamsCaller.playbackGaps(), > 20 ms). */
  gaps: number;
  maxGapMs: number;
  /** Times the app sent `clear` (a barge-in; none are expected). */
  clears: number;
  protocolErrors: number;
  /** The app closed the media stream before the caller hung up. */
  closedByApp: boolean;
  /** The completed status callback was acknowledged. */
  completed: boolean;
}

export type FromCallers =
  | { type: 'ready' }
  | { type: 'greeted'; greeted: number; failed: number; elapsedMs: number }
  | { type: 'turns-done'; cpu: CpuTime; wallMs: number; loopDelay: LoopDelay }
  | { type: 'result'; calls: CallResult[]; peakOpen: number }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string };

/** Timing of the provider emulators for one mode (0 tokens/s: as fast as possible; JSON has no Infinity). */
export interface ProviderTiming {
  sttFinalizationMs: number;
  llmFirstTokenMs: number;
  llmTokensPerSecond: number;
  ttsFirstByteMs: number;
}

export interface ProviderKeys {
  assemblyai: string;
  anthropic: string;
  tts: string;
}

export type ToProviders = { type: 'start'; keys: ProviderKeys } | { type: 'configure'; timing: ProviderTiming };

export type FromProviders =
  | { type: 'ready' }
  | { type: 'started'; sttUrl: string; anthropicUrl: string; ttsUrl: string }
  | { type: 'configured' }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string };

/** The viewers process (bench/voice-viewers.ts): operator consoles watching `GET /api/live` during a level. */
export type ToViewers = { type: 'watch'; url: string; apiKey: string; count: number } | { type: 'unwatch' };

export interface ViewerTotals {
  /** Viewers that got their snapshot. */
  connected: number;
  /** Events received, all viewers together (snapshots included), and their bytes. */
  events: number;
  bytes: number;
  /** Streams that ended before `unwatch` (a viewer cut off as too slow, or an error). */
  dropped: number;
  /** Transcript events (`call.current`, `call.turn`) per viewer, on average. */
  transcriptEventsPerViewer: number;
}

export type FromViewers =
  | { type: 'ready' }
  | { type: 'watching'; connected: number }
  | ({ type: 'watched' } & ViewerTotals)
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string };
