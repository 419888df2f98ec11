import { AnthropicChatModel } from '../agent/anthropic-chat-model';
import type { ChatModel } from '../agent/chat-model';
import type { ConfigStore } from '../config/store';

/** The configured chat model, rebuilt when the Anthropic settings change; undefined without a key. */
export function chatModelFromConfig(config: ConfigStore): () => ChatModel | undefined {
  let key = '';
  let model: ChatModel | undefined;
  return () => {
    const { apiKey, baseUrl, model: name, maxTokens } = config.get().anthropic;
    const nextKey = JSON.stringify([apiKey, baseUrl, name, maxTokens]);
    if (nextKey !== key) {
      key = nextKey;
      model = apiKey ? new AnthropicChatModel({ apiKey, baseUrl, model: name, maxTokens }) : undefined;
    }
    return model;
  };
}
