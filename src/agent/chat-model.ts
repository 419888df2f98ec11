/** What the agent sends a language model: plain turns (tools and media come later, typed here). */
export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  system: string;
  messages: ChatTurn[];
  maxTokens?: number;
}

export interface ChatReply {
  text: string;
  stopReason: string | null;
}

/** A language model behind a small interface; the provider lives in its own file. */
export interface ChatModel {
  complete(request: ChatRequest): Promise<ChatReply>;
}

/** Turns history into alternating user/assistant turns starting with the user, as the API requires. */
export function toAlternatingTurns(turns: ChatTurn[]): ChatTurn[] {
  const merged: ChatTurn[] = [];
  for (const turn of turns) {
    if (!turn.content.trim()) continue;
    const last = merged[merged.length - 1];
    if (last && last.role === turn.role) last.content = `${last.content}\n${turn.content}`;
    else merged.push({ ...turn });
  }
  while (merged[0]?.role === 'assistant') merged.shift();
  return merged;
}
