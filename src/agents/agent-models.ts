import { AnthropicChatModel } from '../agent/anthropic-chat-model';
import type { ChatModel } from '../agent/chat-model';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import type { ConfigStore } from '../config/store';
import type { ResolvedAgent } from './resolved-agent';

export type AgentModel = ChatModel & StreamingChatModel;

/** How a model is used: a caller waiting gets one quick retry and short replies; a message can wait for retries. */
export type ModelUse = 'voice' | 'messaging';

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
    const { anthropic } = this.config.get();
    const key = JSON.stringify([use, model, anthropic.apiKey, anthropic.baseUrl]);
    if (!this.clients.has(key)) this.clients.set(key, this.build(model, use));
    return this.clients.get(key);
  }

  private build(model: ResolvedAgent['model'], use: ModelUse): AgentModel | undefined {
    const voice = use === 'voice';
    if (model.provider === 'anthropic') {
      const { apiKey, baseUrl } = this.config.get().anthropic;
      if (!apiKey) return undefined;
      return new AnthropicChatModel({
        apiKey,
        baseUrl,
        model: model.name,
        // A caller is waiting: short spoken answers, one retry at most, the fallback line beats a long silence.
        maxTokens: voice ? Math.min(model.maxTokens, 300) : model.maxTokens,
        ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
        ...(voice ? { maxRetries: 1, timeoutMs: 10_000 } : {}),
      });
    }
    // OpenAI-compatible endpoints: the `openai` SDK adapter (its key from `model.apiKeyEnv` in this.env).
    throw new Error(`model provider ${model.provider} is not supported yet`);
  }
}
