import Anthropic from '@anthropic-ai/sdk';
import type { ChatModel, ChatReply, ChatRequest } from './chat-model';

export interface AnthropicOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  maxTokens: number;
  /** SDK-level retries; durable retries are the activity's. */
  maxRetries?: number;
  timeoutMs?: number;
}

/** Anthropic Messages API through the official SDK (ANTHROPIC_BASE_URL reaches an emulator). */
export class AnthropicChatModel implements ChatModel {
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      maxRetries: options.maxRetries ?? 1,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  async complete(request: ChatRequest): Promise<ChatReply> {
    const message = await this.client.messages.create({
      model: this.options.model,
      max_tokens: request.maxTokens ?? this.options.maxTokens,
      system: request.system,
      messages: request.messages,
      ...(request.tools?.length ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } : {}),
    });
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    const toolCalls = message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: block.input as Record<string, unknown> }] : []));
    return { text, toolCalls, stopReason: message.stop_reason };
  }
}
