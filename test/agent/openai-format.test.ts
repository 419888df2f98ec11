/** Our chat items as Chat Completions messages: the order rules self-hosted servers' chat templates insist on. */
import { assistantMessage, userMessage, type ChatItem } from '../../src/agent/chat-items';
import { toOpenAiMessages } from '../../src/agent/openai-format';
import { parseCompletionRequest } from '../../devstack/emulators/openai/request-parsing';

/** What an OpenAI-compatible endpoint would say about these messages (the emulator checks as the API does). */
function accepted(messages: unknown): boolean {
  return parseCompletionRequest(JSON.stringify({ model: 'm', messages })).ok;
}

describe('toOpenAiMessages', () => {
  it('puts the system prompt first and drops what comes before the first user message (a call’s greeting)', () => {
    const messages = toOpenAiMessages('Be brief.', [assistantMessage('Hi, how can I help?'), userMessage('Hours?')]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hours?' },
    ]);
    expect(toOpenAiMessages('  ', [userMessage('x')])).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('merges neighbours of the same role and drops empty messages, so user and assistant alternate', () => {
    const items: ChatItem[] = [
      userMessage('Hello'),
      userMessage(''),
      userMessage([{ type: 'text', text: 'Are you there?' }]),
      assistantMessage('Yes.'),
      assistantMessage('How can I help?'),
    ];
    expect(toOpenAiMessages('', items)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: 'Are you there?' },
        ],
      },
      { role: 'assistant', content: 'Yes.\nHow can I help?' },
    ]);
  });

  it('joins tool calls to the assistant text before them, answers each in a tool message, and words errors', () => {
    const items: ChatItem[] = [
      userMessage('Text me the address and hang up'),
      assistantMessage('Sure.'),
      { type: 'tool_call', id: 'call_1', name: 'send_sms', input: { message: 'Main St 1' } },
      { type: 'tool_call', id: 'call_2', name: 'end_call', input: {} },
      { type: 'tool_result', toolCallId: 'call_1', output: 'sent', isError: false },
      { type: 'tool_result', toolCallId: 'call_2', output: 'the call is already over', isError: true },
    ];
    const messages = toOpenAiMessages('', items);
    expect(messages).toEqual([
      { role: 'user', content: 'Text me the address and hang up' },
      {
        role: 'assistant',
        content: 'Sure.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'send_sms', arguments: '{"message":"Main St 1"}' } },
          { id: 'call_2', type: 'function', function: { name: 'end_call', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sent' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Error: the call is already over' },
    ]);
    expect(accepted(messages)).toBe(true);
  });

  it('sends a tool call without text as content null, which the API accepts', () => {
    const messages = toOpenAiMessages('', [
      userMessage('Who am I?'),
      { type: 'tool_call', id: 'call_1', name: 'lookup_customer', input: {} },
      { type: 'tool_result', toolCallId: 'call_1', output: '{"name":"Ada"}', isError: false },
      assistantMessage('You are Ada.'),
      userMessage('Thanks'),
    ]);
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_customer', arguments: '{}' } }],
    });
    expect(accepted(messages)).toBe(true);
  });

  it('keeps images of the customer as data URLs and drops none of their text', () => {
    const messages = toOpenAiMessages('', [
      userMessage([
        { type: 'text', text: 'My receipt' },
        { type: 'image', mediaType: 'image/jpeg', data: 'AAAA' },
      ]),
    ]);
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'My receipt' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
        ],
      },
    ]);
    expect(accepted(messages)).toBe(true);
  });
});
