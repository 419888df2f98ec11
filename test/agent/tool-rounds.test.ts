/** The one tool loop messaging and voice share, on plain functions. */
import type { ChatItem } from '../../src/agent/chat-items';
import type { ToolCall } from '../../src/agent/chat-model';
import { runToolRounds, type ToolRoundReply } from '../../src/agent/tool-rounds';

const call = (id: string, name = 'lookup'): ToolCall => ({ id, name, input: { id } });

/** A model that gives these replies in order, recording what it was asked with. */
function scripted(replies: ToolRoundReply[]) {
  const asked: Array<{ items: readonly ChatItem[]; round: number; last: boolean }> = [];
  const ask = async (items: readonly ChatItem[], round: { round: number; last: boolean }) => {
    asked.push({ items, ...round });
    const reply = replies.shift();
    if (!reply) throw new Error('asked once too often');
    return reply;
  };
  return { ask, asked };
}

describe('runToolRounds', () => {
  it('stops at the first reply without tool calls', async () => {
    const model = scripted([{ text: 'Hello!', toolCalls: [] }]);
    const runTools = jest.fn();
    const result = await runToolRounds({ maxRounds: 3, ask: model.ask, runTools });
    expect(result).toEqual({ text: 'Hello!', items: [], ended: 'answered' });
    expect(runTools).not.toHaveBeenCalled();
    expect(model.asked).toEqual([{ items: [], round: 0, last: false }]);
  });

  it('gives the model its calls and their results, in order, before asking again', async () => {
    const model = scripted([
      { text: 'Let me check.', toolCalls: [call('t1'), call('t2', 'other')] },
      { text: 'Found it.', toolCalls: [] },
    ]);
    const result = await runToolRounds({
      maxRounds: 3,
      ask: model.ask,
      runTools: async (calls) => calls.map((c) => ({ output: `ran ${c.id}`, isError: c.name === 'other' })),
    });
    const round0: ChatItem[] = [
      { type: 'message', role: 'assistant', content: 'Let me check.' },
      { type: 'tool_call', id: 't1', name: 'lookup', input: { id: 't1' } },
      { type: 'tool_call', id: 't2', name: 'other', input: { id: 't2' } },
      { type: 'tool_result', toolCallId: 't1', output: 'ran t1', isError: false },
      { type: 'tool_result', toolCallId: 't2', output: 'ran t2', isError: true },
    ];
    expect(result).toEqual({ text: 'Found it.', items: round0, ended: 'answered' });
    expect(model.asked[1]).toEqual({ items: round0, round: 1, last: false });
  });

  it('records no assistant message for a tool call without text', async () => {
    const model = scripted([
      { text: '', toolCalls: [call('t1')] },
      { text: 'Done.', toolCalls: [] },
    ]);
    const result = await runToolRounds({
      maxRounds: 3,
      ask: model.ask,
      runTools: async () => [{ output: 'ok', isError: false }],
    });
    expect(result.items.map((i) => i.type)).toEqual(['tool_call', 'tool_result']);
  });

  it('flags the last round and does not run the tools the model still calls then', async () => {
    const model = scripted([
      { text: '', toolCalls: [call('t1')] },
      { text: '', toolCalls: [call('t2')] },
      { text: 'I could not finish that.', toolCalls: [call('t3')] },
    ]);
    const ran: string[] = [];
    const result = await runToolRounds({
      maxRounds: 2,
      ask: model.ask,
      runTools: async (calls) => calls.map((c) => (ran.push(c.id), { output: 'ok', isError: false })),
    });
    expect(model.asked.map(({ round, last }) => ({ round, last }))).toEqual([
      { round: 0, last: false },
      { round: 1, last: false },
      { round: 2, last: true },
    ]);
    expect(ran).toEqual(['t1', 't2']);
    expect(result).toMatchObject({ text: 'I could not finish that.', ended: 'answered' });
  });

  it('ends at once when shouldStop says so, after the model or after the tools', async () => {
    let stop = false;
    const afterTools = await runToolRounds({
      maxRounds: 3,
      ask: scripted([{ text: 'Goodbye.', toolCalls: [call('end')] }]).ask,
      runTools: async () => {
        stop = true; // e.g. the tool ended the call
        return [{ output: 'ended', isError: false }];
      },
      shouldStop: () => stop,
    });
    expect(afterTools).toEqual({ text: 'Goodbye.', items: [], ended: 'stopped' });

    const runTools = jest.fn();
    const afterAsk = await runToolRounds({
      maxRounds: 3,
      ask: async () => ({ text: 'Let me', toolCalls: [call('t1')] }),
      runTools,
      shouldStop: () => true, // e.g. the caller talked over the reply
    });
    expect(afterAsk.ended).toBe('stopped');
    expect(runTools).not.toHaveBeenCalled();
  });
});
