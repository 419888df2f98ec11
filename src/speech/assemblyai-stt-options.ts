/** Options of the AssemblyAI streaming STT, and the same with defaults applied (what a session reads). */
import type { StreamingSpeechModel } from 'assemblyai';
import type { Logger } from '../observability/logger';

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

/** The options with their defaults applied (the session reads them). */
export type AssemblyAiSttSettings = Required<
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
