/** The model's tool-use id is `toolCallId`; payloads written before the rename (`callId`) are still read. */
import { withToolCallId, type LegacyToolContext, type ToolContext } from '../../src/agents/tool-calls';
import { toolCallIdOf, type LegacyToolRequest, type ToolRequest } from '../../src/voice/call-types';

describe('tool call ids in workflow payloads', () => {
  it('reads the runTool update argument in either shape', () => {
    const current: ToolRequest = { toolCallId: 'toolu_1', name: 'end_call', input: {} };
    const legacy: LegacyToolRequest = { callId: 'toolu_2', name: 'send_sms', input: { message: 'hi' } };
    expect(toolCallIdOf(current)).toBe('toolu_1');
    expect(toolCallIdOf(legacy)).toBe('toolu_2');
  });

  it('gives a tool activity scheduled by an old run the context in the current shape', () => {
    const base = { customerId: 'c1', accountSid: 'AC1', customerAddress: '+1415', agentAddress: '+1650' };
    const current: ToolContext = { ...base, toolCallId: 'toolu_1' };
    const legacy: LegacyToolContext = { ...base, conversationSid: 'CH1', callId: 'toolu_2' };
    expect(withToolCallId(current)).toBe(current);
    expect(withToolCallId(legacy)).toEqual({ ...base, conversationSid: 'CH1', toolCallId: 'toolu_2' });
  });
});
