/** Our chat items in Anthropic's shape (only the adapter builds it), and old Anthropic-shaped payloads read back. */
import { toAnthropicMessages } from '../../src/agent/anthropic-format';
import { assistantMessage, hasUserContent, userMessage, type ChatItem } from '../../src/agent/chat-items';
import { fromLegacyTurns, type LegacyTurn } from '../../src/agent/legacy-turns';

describe('toAnthropicMessages', () => {
  it('starts with the user, drops empty messages and merges same-role neighbours', () => {
    expect(
      toAnthropicMessages([
        assistantMessage('Hello, this is Beluga.'),
        userMessage('Hi'),
        userMessage('  '),
        userMessage('are you there?'),
        assistantMessage(''),
        assistantMessage('Yes.'),
      ]),
    ).toEqual([
      { role: 'user', content: 'Hi\nare you there?' },
      { role: 'assistant', content: 'Yes.' },
    ]);
  });

  it('is empty when nobody but the assistant spoke', () => {
    const items = [assistantMessage('Hello?'), userMessage('')];
    expect(toAnthropicMessages(items)).toEqual([]);
    expect(hasUserContent(items)).toBe(false);
    expect(hasUserContent([...items, userMessage('hi')])).toBe(true);
  });

  it('puts tool calls into the assistant turn and their results into the next user turn', () => {
    const items: ChatItem[] = [
      userMessage('Where is my order?'),
      assistantMessage('Let me look.'),
      { type: 'tool_call', id: 'toolu_1', name: 'lookup_customer', input: {} },
      { type: 'tool_call', id: 'toolu_2', name: 'check_order', input: { order: '4417' } },
      { type: 'tool_result', toolCallId: 'toolu_1', output: '{"name":"Ada"}', isError: false },
      { type: 'tool_result', toolCallId: 'toolu_2', output: 'tool failed: timeout', isError: true },
    ];
    expect(toAnthropicMessages(items)).toEqual([
      { role: 'user', content: 'Where is my order?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup_customer', input: {} },
          { type: 'tool_use', id: 'toolu_2', name: 'check_order', input: { order: '4417' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"name":"Ada"}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'tool failed: timeout', is_error: true },
        ],
      },
    ]);
  });

  it('sends images as base64 image blocks beside the text', () => {
    expect(
      toAnthropicMessages([
        userMessage([
          { type: 'text', text: 'what colour is this?' },
          { type: 'image', mediaType: 'image/png', data: 'iVBORw0' },
        ]),
        userMessage('and this one?'),
      ]),
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what colour is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0' } },
          { type: 'text', text: 'and this one?' },
        ],
      },
    ]);
  });
});

describe('fromLegacyTurns', () => {
  /** A tool round as customerWorkflow carried it in generateReply's `scratch` before chat items existed. */
  const legacy: LegacyTurn[] = [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'One moment.' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup_customer', input: { address: '+1415' } },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"found":true}', is_error: false }],
    },
  ];

  it('reads an old scratch as the items it meant', () => {
    expect(fromLegacyTurns(legacy)).toEqual([
      assistantMessage([{ type: 'text', text: 'One moment.' }]),
      { type: 'tool_call', id: 'toolu_1', name: 'lookup_customer', input: { address: '+1415' } },
      { type: 'tool_result', toolCallId: 'toolu_1', output: '{"found":true}', isError: false },
    ]);
  });

  it('gives the model the same turns the old payload meant', () => {
    expect(toAnthropicMessages([userMessage('Who am I?'), ...fromLegacyTurns(legacy)])).toEqual([
      { role: 'user', content: 'Who am I?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'One moment.' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup_customer', input: { address: '+1415' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"found":true}' }] },
    ]);
  });

  it('passes items through, reads plain-text turns, images and errors', () => {
    const item = userMessage('new shape');
    expect(
      fromLegacyTurns([
        item,
        { role: 'user', content: 'old text' },
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'boom' }], is_error: true },
          ],
        },
      ]),
    ).toEqual([
      item,
      userMessage('old text'),
      userMessage([{ type: 'image', mediaType: 'image/gif', data: 'R0lG' }]),
      { type: 'tool_result', toolCallId: 'toolu_2', output: 'boom', isError: true },
    ]);
  });
});
