import { AnthropicChatModel } from '../agent/anthropic-chat-model';
import type { ChatModel } from '../agent/chat-model';
import { OpenAiCompatibleChatModel } from '../agent/openai-chat-model';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import type { ConfigStore } from '../config/store';
import type { ResolvedAgent } from './resolved-agent';

export type AgentModel = ChatModel & StreamingChatModel;

/** How a model is used: a caller waiting gets one quick retry and short replies; a message can wait for retries. */
export type ModelUse = 'voice' | 'messaging';

/** Sent as the key to an OpenAI-compatible server that needs none (Ollama, llama.cpp): the SDK insists on one. */
const NO_KEY = 'no-key';

/**
 * The model client of each agent's `model` settings, built once per distinct settings (so a call's
 * turns share a warm connection) and rebuilt when credentials or endpoints change.
 */
export class AgentModels {
  private readonly clients = new Map<string, AgentModel | undefined>();

  constructor(
    private readonly config: ConfigStore,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Undefined when the agent's provider has no credentials configured. */
  for(model: ResolvedAgent['model'], use: ModelUse): AgentModel | undefined {
    const credentials =
      model.provider === 'anthropic' ? this.config.get().anthropic : { apiKey: this.openAiKey(model) };
    const key = JSON.stringify([use, model, credentials]);
    if (!this.clients.has(key)) this.clients.set(key, this.build(model, use));
    return this.clients.get(key);
  }

  private build(model: ResolvedAgent['model'], use: ModelUse): AgentModel | undefined {
    const voice = use === 'voice';
    // A caller is waiting: short spoken answers, one retry at most, the fallback line beats a long silence.
    const common = {
      model: model.name,
      maxTokens: voice ? Math.min(model.maxTokens, 300) : model.maxTokens,
      ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
      ...(voice ? { maxRetries: 1, timeoutMs: 10_000 } : {}),
    };
    if (model.provider === 'anthropic') {
      const { apiKey, baseUrl } = this.config.get().anthropic;
      return apiKey ? new AnthropicChatModel({ apiKey, baseUrl, ...common }) : undefined;
    }
    const apiKey = this.openAiKey(model);
    // The schema requires the endpoint for this provider; a missing variable leaves the agent without a model.
    if (!model.baseUrl || apiKey === undefined) return undefined;
    return new OpenAiCompatibleChatModel({ baseUrl: model.baseUrl, apiKey, ...common });
  }

  /** The key named by `apiKeyEnv` (undefined when that variable is not set), or a placeholder when none is named. */
  private openAiKey(model: ResolvedAgent['model']): string | undefined {
    if (!model.apiKeyEnv) return NO_KEY;
    return this.env[model.apiKeyEnv] || undefined;
  }
}
