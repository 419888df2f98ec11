import type { StreamingSpeechModel } from 'assemblyai';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import { AgentModels } from '../agents/agent-models';
import { defaultAgentModel } from '../agents/default-agent';
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
  const models = new AgentModels(config);
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
    // The default agent's model (one retry, short replies: AgentModels' voice settings) until calls are routed.
    llm: () => models.for(defaultAgentModel(config.get()), 'voice'),
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
