/**
 * SpeechToText on AssemblyAI Universal-Streaming (v3) through the official SDK: 8 kHz mu-law straight
 * from Twilio, sent in ~50 ms chunks, formatted final turns. A socket that drops mid-call is
 * reconnected with backoff, and the new session is given the audio of the unfinished turn, so the
 * caller's utterance still ends as one turn.
 */
import { AssemblyAI, type StreamingTranscriber } from 'assemblyai';
import { MULAW_SAMPLE_RATE } from '../audio/mulaw';
import { createLogger, type Logger } from '../observability/logger';
import type { AssemblyAiSttOptions, AssemblyAiSttSettings } from './assemblyai-stt-options';
import { AssemblyAiSttSession } from './assemblyai-stt-session';
import type { SpeechToText, SttOpenOptions, SttSession, SttSessionEvents } from './stt';

export class AssemblyAiStt implements SpeechToText {
  private readonly client: AssemblyAI;
  private readonly settings: AssemblyAiSttSettings;
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

export type { AssemblyAiSttOptions } from './assemblyai-stt-options';
