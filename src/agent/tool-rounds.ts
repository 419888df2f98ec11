/**
 * The agent's tool loop, shared by messaging (in a workflow) and voice (in the realtime worker): ask the model, run the
 * tools it calls, give it the results, ask again, until it answers in words or the rounds run out. Pure and
 * deterministic (workflow code runs it): the side effects are the caller's `ask` and `runTools`.
 */
import type { ChatItem } from './chat-items';
import type { ToolCall } from './chat-model';

export interface ToolRoundReply<C extends ToolCall = ToolCall> {
  text: string;
  toolCalls: C[];
}

/** What one tool returned, in the order of the calls. */
export interface ToolResult {
  output: string;
  isError: boolean;
}

/** `C`: the tool calls as the caller's `ask` returns them (with where each goes, say), handed back to `runTools`. */
export interface ToolRoundsOptions<C extends ToolCall = ToolCall> {
  /** Rounds of tool use before the model must answer: the round after the last of them is `last`. */
  maxRounds: number;
  /**
   * Asks the model, given this reply's tool calls and results so far (`items`, empty on round 0). On the `last`
   * round the caller may offer no tools; any tool calls it still gets are not run.
   */
  ask: (items: readonly ChatItem[], round: { round: number; last: boolean }) => Promise<ToolRoundReply<C>>;
  /** Runs the calls, returning one result per call, in order. */
  runTools: (calls: C[]) => Promise<ToolResult[]>;
  /** Checked after each ask and each batch of tools: true ends the loop at once (aborted, or the call is over). */
  shouldStop?: () => boolean;
}

export interface ToolRoundsResult {
  /** The model's last text (empty when stopped before it answered). */
  text: string;
  /** The tool calls and results of the finished rounds, with the text that came with each call. */
  items: ChatItem[];
  /** `answered`: the model replied without tools (or on its last round); `stopped`: `shouldStop` ended it. */
  ended: 'answered' | 'stopped';
}

export async function runToolRounds<C extends ToolCall = ToolCall>(
  options: ToolRoundsOptions<C>,
): Promise<ToolRoundsResult> {
  const { maxRounds, ask, runTools, shouldStop = () => false } = options;
  const items: ChatItem[] = [];
  for (let round = 0; ; round++) {
    const last = round >= maxRounds;
    const reply = await ask([...items], { round, last });
    if (shouldStop()) return { text: reply.text, items, ended: 'stopped' };
    if (reply.toolCalls.length === 0 || last) return { text: reply.text, items, ended: 'answered' };
    const results = await runTools(reply.toolCalls);
    if (shouldStop()) return { text: reply.text, items, ended: 'stopped' };
    if (reply.text) items.push({ type: 'message', role: 'assistant', content: reply.text });
    for (const call of reply.toolCalls)
      items.push({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
    reply.toolCalls.forEach((call, i) => {
      const result = results[i] ?? { output: `no result for ${call.name}`, isError: true };
      items.push({ type: 'tool_result', toolCallId: call.id, output: result.output, isError: result.isError });
    });
  }
}
