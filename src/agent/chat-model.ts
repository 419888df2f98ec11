import type { ChatItem } from './chat-items';

/** A tool the model may call, described by JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

/** A tool the model asked to run; `id` is the model's tool-use id. */
export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ChatRequest {
  system: string;
  /** The conversation, oldest first, in any order of roles: the adapter shapes it the way its provider needs. */
  items: ChatItem[];
  tools?: ToolSpec[];
  maxTokens?: number;
}

export interface ChatReply {
  text: string;
  /** Tools the model asked to run before it can answer (stop reason `tool_use`). */
  toolCalls: ToolCall[];
  stopReason: string | null;
}

/** A language model behind a small interface; the provider lives in its own file. */
export interface ChatModel {
  complete(request: ChatRequest): Promise<ChatReply>;
}
