import type { Config } from '../config/schema';
import {
  DEFAULT_MESSAGING_STYLE,
  DEFAULT_VOICE_STYLE,
  renderInstructions,
  type AgentDefinition,
  type InstructionVariable,
} from './definition';

/** An agent with every setting it leaves open taken from the deployment's, as the voice loop and messaging use it. */
export interface ResolvedAgent {
  id: string;
  version: number;
  name: string;
  definition: AgentDefinition;
  greeting: string;
  /** Said instead of the greeting by a worker that takes the call over after its stream was lost. */
  resumptionLine: string;
  /** BCP-47 tag the agent speaks and writes. */
  language: string;
  fallbackLine: string;
  fallbackReply: string;
  model: {
    provider: 'anthropic' | 'openai-compatible';
    name: string;
    baseUrl?: string;
    apiKeyEnv?: string;
    maxTokens: number;
    temperature?: number;
  };
  voice: { provider: 'elevenlabs'; voiceId: string; modelId: string; speed?: number };
  turnTaking: {
    minTurnSilenceMs: number;
    maxTurnSilenceMs: number;
    endOfTurnConfidence?: number;
    bargeInMinVoicedMs: number;
    filler: string;
    fillerAfterMs: number;
  };
  transferNumber?: string;
  maxCallMinutes: number;
}

export function resolveAgent(definition: AgentDefinition, version: number, config: Config): ResolvedAgent {
  const { model, voice, turnTaking: turns } = definition;
  const transferNumber = definition.transferNumber ?? config.voice.transferNumber;
  return {
    id: definition.id,
    version,
    name: definition.name,
    definition,
    greeting: definition.greeting ?? config.voice.greeting,
    resumptionLine: definition.resumptionLine ?? config.voice.resumptionLine,
    language: definition.language,
    fallbackLine: definition.fallbackLine ?? config.voice.fallbackLine,
    fallbackReply: definition.fallbackReply ?? config.agent.fallbackReply,
    model: {
      provider: model.provider,
      name: model.name ?? config.anthropic.model,
      ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}),
      ...(model.apiKeyEnv ? { apiKeyEnv: model.apiKeyEnv } : {}),
      maxTokens: model.maxTokens ?? config.anthropic.maxTokens,
      ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
    },
    voice: {
      provider: voice.provider,
      voiceId: voice.voiceId ?? config.tts.voiceId,
      modelId: voice.modelId ?? config.tts.modelId,
      ...(voice.speed !== undefined ? { speed: voice.speed } : {}),
    },
    turnTaking: {
      minTurnSilenceMs: turns.minTurnSilenceMs ?? config.assemblyai.minTurnSilenceMs,
      maxTurnSilenceMs: turns.maxTurnSilenceMs ?? config.assemblyai.maxTurnSilenceMs,
      ...(turns.endOfTurnConfidence !== undefined ? { endOfTurnConfidence: turns.endOfTurnConfidence } : {}),
      bargeInMinVoicedMs: turns.bargeInMinVoicedMs ?? config.voice.bargeInMinVoicedMs,
      filler: turns.filler ?? config.voice.filler,
      fillerAfterMs: turns.fillerAfterMs ?? config.voice.fillerAfterMs,
    },
    ...(transferNumber ? { transferNumber } : {}),
    maxCallMinutes: definition.maxCallMinutes,
  };
}

/** The agent's system prompt on a channel: its instructions, then how to speak or write, variables filled. */
export function agentSystemPrompt(
  agent: ResolvedAgent,
  channel: 'voice' | 'sms' | 'whatsapp' | 'conversations',
  values: { customerName?: string; now: Date },
): string {
  const { definition } = agent;
  const style =
    channel === 'voice'
      ? (definition.voiceInstructions ?? DEFAULT_VOICE_STYLE)
      : (definition.messagingInstructions ?? DEFAULT_MESSAGING_STYLE);
  const variables: Partial<Record<InstructionVariable, string>> = {
    channel,
    agentName: agent.name,
    today: values.now.toISOString().slice(0, 10),
    ...(values.customerName ? { customerName: values.customerName } : {}),
    ...(definition.businessHours ? { businessHours: definition.businessHours } : {}),
  };
  return [definition.instructions, style]
    .filter(Boolean)
    .map((part) => renderInstructions(part, variables))
    .concat(languageRule(agent.language))
    .join('\n\n');
}

/** English needs no rule (the prompts are English); any other language is named for the model. */
function languageRule(language: string): string[] {
  if (isEnglish(language)) return [];
  const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(language) ?? language;
  return [`Always answer in ${name} (${language}), whatever language the instructions are written in.`];
}

/** Whether a BCP-47 tag is English (`en`, `en-GB`): the default speech models are English ones. */
export function isEnglish(language: string): boolean {
  return language.toLowerCase().split('-')[0] === 'en';
}
