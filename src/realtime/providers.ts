import type { StreamingSpeechModel } from 'assemblyai';
import { AnthropicChatModel } from '../agent/anthropic-chat-model';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { AssemblyAiStt } from '../speech/assemblyai-stt';
import { ElevenLabsTts } from '../speech/elevenlabs-tts';
import type { SpeechToText } from '../speech/stt';
import type { TextToSpeech } from '../speech/tts';

/** Rebuilds a provider only when the settings it depends on changed (credentials rotate without restart). */
function cached<T>(key: () => string, build: () => T): () => T {
  let lastKey: string | undefined;
  let value: T;
  return () => {
    const next = key();
    if (next !== lastKey) {
      lastKey = next;
      value = build();
    }
    return value;
  };
}

export interface VoiceProviders {
  stt: () => SpeechToText | undefined;
  llm: () => StreamingChatModel | undefined;
  tts: () => TextToSpeech | undefined;
}

/** The real providers, from the live configuration. */
export function voiceProvidersFromConfig(config: ConfigStore, log: Logger): VoiceProviders {
  return {
    stt: cached(
      () => JSON.stringify(config.get().assemblyai),
      () => {
        const a = config.get().assemblyai;
        return a.apiKey
          ? new AssemblyAiStt({
              apiKey: a.apiKey,
              speechModel: a.speechModel as StreamingSpeechModel,
              minTurnSilenceMs: a.minTurnSilenceMs,
              maxTurnSilenceMs: a.maxTurnSilenceMs,
              logger: log,
              ...(a.streamingUrl ? { websocketBaseUrl: a.streamingUrl } : {}),
            })
          : undefined;
      },
    ),
    llm: cached(
      () => JSON.stringify(config.get().anthropic),
      () => {
        const { apiKey, baseUrl, model, maxTokens } = config.get().anthropic;
        // One retry at most: a caller is waiting, and the fallback line beats a long silence.
        return apiKey
          ? new AnthropicChatModel({
              apiKey,
              baseUrl,
              model,
              maxTokens: Math.min(maxTokens, 300),
              maxRetries: 1,
              timeoutMs: 10_000,
            })
          : undefined;
      },
    ),
    tts: cached(
      () => JSON.stringify(config.get().tts),
      () => {
        const t = config.get().tts;
        return t.apiKey
          ? new ElevenLabsTts({
              apiKey: t.apiKey,
              voiceId: t.voiceId,
              modelId: t.modelId,
              stallTimeoutMs: 5000,
              ...(t.baseUrl ? { baseUrl: t.baseUrl } : {}),
            })
          : undefined;
      },
    ),
  };
}
