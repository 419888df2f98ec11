import type { StreamingSpeechModel } from 'assemblyai';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import { AgentModels } from '../agents/agent-models';
import { defaultAgentModel } from '../agents/default-agent';
import { isEnglish } from '../agents/resolved-agent';
import type { ResolvedAgent } from '../agents/resolved-agent';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { AssemblyAiStt } from '../speech/assemblyai-stt';
import { ElevenLabsTts } from '../speech/elevenlabs-tts';
import type { SpeechToText } from '../speech/stt';
import type { TextToSpeech } from '../speech/tts';

/** Distinct agent settings kept at once; beyond this the cache starts over (clients are cheap to rebuild). */
const MAX_CLIENTS = 64;

/**
 * One provider client per distinct settings (an agent's voice, its turn-taking), rebuilt when the
 * deployment's settings they depend on change (credentials rotate without restart).
 */
function perSettings<A extends unknown[], T>(key: (...settings: A) => string, build: (...settings: A) => T) {
  const clients = new Map<string, T>();
  return (...settings: A): T => {
    const k = key(...settings);
    if (!clients.has(k)) {
      if (clients.size >= MAX_CLIENTS) clients.clear();
      clients.set(k, build(...settings));
    }
    return clients.get(k)!;
  };
}

/**
 * The voice providers of a call, per agent: its turn-taking settings shape the STT session, its
 * voice the TTS, its model the LLM. Without an agent (health checks) the deployment's defaults apply.
 */
export interface VoiceProviders {
  stt: (turnTaking?: ResolvedAgent['turnTaking'], language?: string) => SpeechToText | undefined;
  llm: (agent?: ResolvedAgent) => StreamingChatModel | undefined;
  tts: (voice?: ResolvedAgent['voice'], language?: string) => TextToSpeech | undefined;
}

/** The real providers, from the live configuration. */
export function voiceProvidersFromConfig(config: ConfigStore, log: Logger): VoiceProviders {
  const models = new AgentModels(config);
  return {
    stt: perSettings(
      (turns?: ResolvedAgent['turnTaking'], language?: string) =>
        JSON.stringify([config.get().assemblyai, turns, language]),
      (turns?: ResolvedAgent['turnTaking'], language?: string) => {
        const a = config.get().assemblyai;
        if (!a.apiKey) return undefined;
        return new AssemblyAiStt({
          apiKey: a.apiKey,
          speechModel: speechModelFor(a.speechModel, language),
          minTurnSilenceMs: turns?.minTurnSilenceMs ?? a.minTurnSilenceMs,
          maxTurnSilenceMs: turns?.maxTurnSilenceMs ?? a.maxTurnSilenceMs,
          ...(turns?.endOfTurnConfidence !== undefined
            ? { endOfTurnConfidenceThreshold: turns.endOfTurnConfidence }
            : {}),
          logger: log,
          ...(a.streamingUrl ? { websocketBaseUrl: a.streamingUrl } : {}),
        });
      },
    ),
    llm: (agent) => {
      try {
        // A caller is waiting: AgentModels gives voice use short answers and one retry at most.
        return models.for(agent?.model ?? defaultAgentModel(config.get()), 'voice');
      } catch (error) {
        // The caller hears the fallback line rather than a dead socket.
        log.error({ err: error, agentId: agent?.id }, "could not build the agent's model client");
        return undefined;
      }
    },
    tts: perSettings(
      (voice?: ResolvedAgent['voice'], language?: string) => JSON.stringify([config.get().tts, voice, language]),
      (voice?: ResolvedAgent['voice'], language?: string) => {
        const t = config.get().tts;
        if (!t.apiKey) return undefined;
        return new ElevenLabsTts({
          apiKey: t.apiKey,
          voiceId: voice?.voiceId ?? t.voiceId,
          modelId: voice?.modelId ?? t.modelId,
          ...(voice?.speed !== undefined ? { voiceSettings: { speed: voice.speed } } : {}),
          // The primary subtag (ISO 639-1) is what ElevenLabs' multilingual models take.
          ...(language && !isEnglish(language) ? { languageCode: language.split('-')[0]!.toLowerCase() } : {}),
          stallTimeoutMs: 5000,
          ...(t.baseUrl ? { baseUrl: t.baseUrl } : {}),
        });
      },
    ),
  };
}

/**
 * The streaming model for an agent's language: the deployment's English default gives way to the
 * multilingual model for an agent that speaks another language; any other configured model is kept.
 */
function speechModelFor(configured: string, language: string | undefined): StreamingSpeechModel {
  if (language && !isEnglish(language) && configured === 'universal-streaming-english')
    return 'universal-streaming-multilingual';
  return configured as StreamingSpeechModel;
}
