import { assistantMessage, userMessage, type ChatItem } from '../../src/agent/chat-items';
import { boundCallItems, CALL_CONTEXT_LIMITS, LEFT_OUT_NOTE } from '../../src/realtime/call-context-window';

/** `n` exchanges, caller first: "caller 1", "agent 1", ... */
function exchanges(n: number, agentText = (i: number) => `agent ${i}`): ChatItem[] {
  return Array.from({ length: n }, (_, i) => [
    userMessage(`caller ${i + 1}`),
    assistantMessage(agentText(i + 1)),
  ]).flat();
}
const texts = (items: ChatItem[]) => items.map((i) => (i.type === 'message' ? i.content : i.type));

describe("a call's turns in the model context", () => {
  it('are bounded by default to 80 items and 32 000 characters', () => {
    expect(CALL_CONTEXT_LIMITS).toEqual({ maxItems: 80, maxChars: 32_000 });
  });

  it('are untouched under the limits', () => {
    const items = exchanges(3);
    expect(boundCallItems(items, { maxItems: 6, maxChars: 1000 })).toBe(0);
    expect(texts(items)).toEqual(['caller 1', 'agent 1', 'caller 2', 'agent 2', 'caller 3', 'agent 3']);
  });

  it('over the item cap keep the newest, starting at a caller turn marked as not the start of the call', () => {
    const items = [...exchanges(5), userMessage('caller 6')];
    const dropped = boundCallItems(items, { maxItems: 4, maxChars: 1000 });
    expect(dropped).toBe(8); // 7 to get under the cap, one more to start at the caller
    expect(texts(items)).toEqual([`${LEFT_OUT_NOTE} caller 5`, 'agent 5', 'caller 6']);
  });

  it('over the character cap drop the oldest long answers first', () => {
    const items = [...exchanges(4, (i) => (i <= 2 ? 'x'.repeat(500) : `agent ${i}`)), userMessage('caller 5')];
    boundCallItems(items, { maxItems: 100, maxChars: 500 });
    expect(texts(items)).toEqual([`${LEFT_OUT_NOTE} caller 3`, 'agent 3', 'caller 4', 'agent 4', 'caller 5']);
  });

  it('always keep the newest two items, however long', () => {
    const items = [userMessage('x'.repeat(5000)), assistantMessage('y'.repeat(5000))];
    expect(boundCallItems(items, { maxItems: 1, maxChars: 10 })).toBe(0);
    expect(items).toHaveLength(2);
  });
});
