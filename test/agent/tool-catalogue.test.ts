/** The tool catalogue: which tools each channel offers, the JSON Schema the model gets, and the keys of side effects. */
import { z } from 'zod';
import { AgentDefinitionSchema, type AgentDefinition } from '../../src/agents/definition';
import { defaultAgentFrom } from '../../src/agents/default-agent';
import { BUILT_IN_TOOLS } from '../../src/agents/tool-names';
import type { ToolContext } from '../../src/agents/tool-calls';
import type { ToolDeps } from '../../src/agents/tools/built-in-tool';
import { BUILT_IN_TOOL_CATALOGUE } from '../../src/agents/tools/catalogue';
import { toolIdempotencyKey } from '../../src/agents/tools/idempotency';
import { modelToolSpecs, routeToolCalls, toolSpecsFor, type OfferedTool } from '../../src/agents/tools/offering';
import { inputJsonSchema } from '../../src/agents/tools/tool-spec';
import { loadConfig } from '../../src/config/load';
import { runBuiltInTool } from '../../activities/tools';

function agent(tools: string[]): AgentDefinition {
  return AgentDefinitionSchema.parse({ id: 'sales', name: 'Sales', instructions: 'Sell.', tools });
}

const names = (offered: OfferedTool[]) => offered.map((t) => t.name);

/** An HTTP tool's offer, as the external tools' code builds it from the configuration. */
const orderStatus: OfferedTool = {
  name: 'order_status',
  description: 'Where an order is.',
  inputSchema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
  route: { kind: 'http', name: 'order_status' },
  repeatSafe: true,
};

/** Dependencies that fail the test if a tool touches any of them. */
const untouchable = new Proxy({} as ToolDeps, {
  get(_target, property) {
    throw new Error(`the tool used deps.${String(property)}`);
  },
});

describe('the built-in tool catalogue', () => {
  it('defines every built-in name once, each runnable as an activity except the hand-off', () => {
    expect(Object.keys(BUILT_IN_TOOL_CATALOGUE).sort()).toEqual([...BUILT_IN_TOOLS].sort());
    for (const [name, tool] of Object.entries(BUILT_IN_TOOL_CATALOGUE)) {
      expect(tool.name).toBe(name);
      expect(tool.channels.length).toBeGreaterThan(0);
      expect(tool.run === undefined).toBe(name === 'handoff_to_agent');
    }
  });

  it('gives the model a JSON Schema generated from the zod input: an object, no $schema, defaults optional', () => {
    for (const tool of Object.values(BUILT_IN_TOOL_CATALOGUE)) {
      const schema = inputJsonSchema(tool.input, tool.name);
      expect(schema.type).toBe('object');
      expect(schema).not.toHaveProperty('$schema');
    }
    const spec = (name: keyof typeof BUILT_IN_TOOL_CATALOGUE) =>
      inputJsonSchema(BUILT_IN_TOOL_CATALOGUE[name].input, name);
    expect(spec('lookup_customer')).toEqual({
      type: 'object',
      properties: {
        recentMessages: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          default: 10,
          description: 'how many recent messages to include (default 10)',
        },
      },
    });
    expect(spec('send_sms')).toMatchObject({
      required: ['message'],
      properties: { message: { type: 'string', minLength: 1, maxLength: 1600 } },
    });
    expect(spec('schedule_follow_up')).toMatchObject({
      required: ['delayMinutes', 'message'],
      properties: { delayMinutes: { type: 'number', minimum: 0.01, maximum: 43_200 } },
    });
    expect(spec('handoff_to_agent')).toMatchObject({
      required: ['agentId', 'reason'],
      properties: { agentId: { type: 'string', pattern: expect.any(String) as string } },
    });
    expect(spec('end_call')).toEqual({ type: 'object', properties: {} });
    expect(() => inputJsonSchema(z.string(), 'bad')).toThrow('the input of tool bad must be an object');
  });
});

describe('toolSpecsFor', () => {
  it("offers today's agent its tools that make sense on each channel", () => {
    const config = loadConfig({});
    const todays = defaultAgentFrom(config);
    expect(names(toolSpecsFor(todays, 'messaging'))).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'escalate_to_human',
    ]);
    expect(names(toolSpecsFor(todays, 'voice', { callerVerified: true }))).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'transfer_call',
      'end_call',
    ]);
  });

  it('offers an unverified caller the verification tools whatever the agent lists, and never on messaging', () => {
    const bare = agent(['search_knowledge']);
    expect(names(toolSpecsFor(bare, 'voice', { callerVerified: false }))).toEqual([
      'search_knowledge',
      'send_verification_code',
      'check_verification_code',
    ]);
    expect(names(toolSpecsFor(bare, 'voice'))).toContain('send_verification_code');
    expect(names(toolSpecsFor(bare, 'voice', { callerVerified: true }))).toEqual(['search_knowledge']);
    // Listed by the agent, they are still offered on calls only.
    const listing = agent(['send_verification_code', 'check_verification_code', 'lookup_customer']);
    expect(names(toolSpecsFor(listing, 'messaging'))).toEqual(['lookup_customer']);
    expect(names(toolSpecsFor(listing, 'voice', { callerVerified: false }))).toEqual([
      'send_verification_code',
      'check_verification_code',
      'lookup_customer',
    ]);
  });

  it('keeps call-only and text-only tools to their channel; hand-off and knowledge go on both', () => {
    const all = agent([...BUILT_IN_TOOLS]);
    const voice = names(toolSpecsFor(all, 'voice', { callerVerified: true }));
    const messaging = names(toolSpecsFor(all, 'messaging'));
    expect(voice).toEqual(
      expect.arrayContaining(['transfer_call', 'end_call', 'handoff_to_agent', 'search_knowledge']),
    );
    expect(voice).not.toContain('escalate_to_human');
    expect(messaging).toEqual(expect.arrayContaining(['escalate_to_human', 'handoff_to_agent', 'search_knowledge']));
    for (const callOnly of ['transfer_call', 'end_call', 'send_verification_code', 'check_verification_code'])
      expect(messaging).not.toContain(callOnly);
  });

  it("appends the agent's external tools (HTTP, MCP), once per name; references alone offer nothing", () => {
    const withExternal = agent(['lookup_customer', 'order_status', 'mcp:crm']);
    expect(names(toolSpecsFor(withExternal, 'messaging'))).toEqual(['lookup_customer']);
    const offered = toolSpecsFor(withExternal, 'messaging', { extra: [orderStatus, { ...orderStatus }] });
    expect(names(offered)).toEqual(['lookup_customer', 'order_status']);
    // The model reads only the spec.
    expect(modelToolSpecs(offered)[1]).toEqual({
      name: 'order_status',
      description: 'Where an order is.',
      inputSchema: orderStatus.inputSchema,
    });
  });

  it("carries each tool's filler and whether it waits for speech", () => {
    const offered = toolSpecsFor(defaultAgentFrom(loadConfig({})), 'voice', { callerVerified: true });
    const by = (name: string) => offered.find((t) => t.name === name)!;
    expect(by('lookup_customer').filler).toBe('Let me pull up your details.');
    expect(by('send_sms').filler).toBeUndefined(); // the agent's filler
    expect(by('end_call').afterSpeech).toBe(true);
    expect(by('transfer_call').afterSpeech).toBe(true);
    expect(by('send_sms').afterSpeech).toBeUndefined();
  });
});

describe('routeToolCalls', () => {
  it('routes the calls of offered tools; an external tool that is not repeat-safe runs once; others get no route', () => {
    const offered = toolSpecsFor(agent(['send_sms']), 'messaging', {
      extra: [
        orderStatus,
        { ...orderStatus, name: 'create_ticket', route: { kind: 'http', name: 'create_ticket' }, repeatSafe: false },
      ],
    });
    const routed = routeToolCalls(
      [
        { id: 't1', name: 'send_sms', input: { message: 'hi' } },
        { id: 't2', name: 'order_status', input: {} },
        { id: 't3', name: 'create_ticket', input: {} },
        { id: 't4', name: 'transfer_call', input: {} },
      ],
      offered,
    );
    expect(routed).toEqual([
      { id: 't1', name: 'send_sms', input: { message: 'hi' }, route: { kind: 'builtin' } },
      { id: 't2', name: 'order_status', input: {}, route: { kind: 'http', name: 'order_status' } },
      { id: 't3', name: 'create_ticket', input: {}, route: { kind: 'http', name: 'create_ticket' }, repeatSafe: false },
      { id: 't4', name: 'transfer_call', input: {} },
    ]);
  });
});

describe('tool side-effect keys', () => {
  const base = { customerId: 'c1', accountSid: 'AC1', customerAddress: '+14155550100', agentAddress: '+15005550006' };
  const onCall: ToolContext = { ...base, channel: 'voice', callSid: 'CA1', toolCallId: 'toolu_1' };
  const inMessage: ToolContext = { ...base, channel: 'messaging', messageSid: 'SM1', toolCallId: 'toolu_1' };

  it('derive from the call or message sid and the tool-call id', () => {
    expect(toolIdempotencyKey('sms', onCall)).toBe('sms:CA1:toolu_1');
    expect(toolIdempotencyKey('sms', inMessage)).toBe('sms:SM1:toolu_1');
    // A retried attempt or update carries the same context: the same key.
    expect(toolIdempotencyKey('sms', { ...onCall })).toBe(toolIdempotencyKey('sms', onCall));
    // Another tool call, call or message: another key.
    expect(toolIdempotencyKey('sms', { ...onCall, toolCallId: 'toolu_2' })).not.toBe('sms:CA1:toolu_1');
    expect(toolIdempotencyKey('sms', { ...onCall, callSid: 'CA2' })).not.toBe('sms:CA1:toolu_1');
    expect(toolIdempotencyKey('verify', onCall)).toBe('verify:CA1:toolu_1');
  });

  it("fall back to the tool-call id alone (a user workflow's key, an activity scheduled before sids were carried)", () => {
    expect(toolIdempotencyKey('escalation', { ...base, toolCallId: 'ops-123' })).toBe('escalation:ops-123');
  });
});

describe('running a built-in tool', () => {
  const base = { customerId: 'c1', accountSid: 'AC1', customerAddress: '+14155550100', agentAddress: '+15005550006' };

  it('refuses a tool on a channel it is not offered on, and bad input, without acting', async () => {
    const inMessage: ToolContext = { ...base, channel: 'messaging', messageSid: 'SM1', toolCallId: 't1' };
    expect(
      await runBuiltInTool(BUILT_IN_TOOL_CATALOGUE.transfer_call, { reason: 'x' }, inMessage, untouchable),
    ).toEqual({
      ok: false,
      result: 'transfer_call is not available in this conversation.',
    });
    const sms = await runBuiltInTool(BUILT_IN_TOOL_CATALOGUE.send_sms, { message: '' }, inMessage, untouchable);
    expect(sms.ok).toBe(false);
    expect(sms.result).toMatch(/^invalid input for send_sms: message: /);
  });

  it('tells an unverified caller nothing from lookup_customer (the stores are not even read)', async () => {
    const onCall: ToolContext = { ...base, channel: 'voice', callSid: 'CA1', toolCallId: 't1', callerVerified: false };
    const outcome = await runBuiltInTool(BUILT_IN_TOOL_CATALOGUE.lookup_customer, {}, onCall, untouchable);
    expect(outcome.ok).toBe(false);
    expect(outcome.result).toContain('identity is not confirmed');
  });

  it('search_knowledge says plainly that no knowledge base is configured when there is nothing to search', async () => {
    const inMessage: ToolContext = { ...base, channel: 'messaging', toolCallId: 't1' };
    // No agent, no history: neither the agents nor the index are read.
    const noHistory = new Proxy({} as ToolDeps, {
      get(_target, property) {
        if (property === 'messages') return { countAfter: async () => 0 };
        throw new Error(`the tool used deps.${String(property)}`);
      },
    });
    const outcome = await runBuiltInTool(
      BUILT_IN_TOOL_CATALOGUE.search_knowledge,
      { query: 'opening hours' },
      inMessage,
      noHistory,
    );
    expect(outcome).toEqual({
      ok: false,
      result: expect.stringContaining('No knowledge base is configured') as string,
    });
    // An unverified caller's own history is not searched: the stores are not even read.
    const onCall: ToolContext = { ...base, channel: 'voice', callSid: 'CA1', toolCallId: 't2', callerVerified: false };
    const call = await runBuiltInTool(BUILT_IN_TOOL_CATALOGUE.search_knowledge, { query: 'x y' }, onCall, untouchable);
    expect(call.result).toContain('only once their identity is confirmed');
  });

  it('offers search_knowledge to an agent that names knowledge bases, whatever its tool list', () => {
    const withKnowledge = AgentDefinitionSchema.parse({
      id: 'support',
      name: 'Support',
      instructions: 'Help.',
      tools: ['send_sms'],
      knowledge: ['kb-policies'],
    });
    expect(names(toolSpecsFor(withKnowledge, 'messaging'))).toEqual(['send_sms', 'search_knowledge']);
    expect(names(toolSpecsFor(agent(['send_sms']), 'messaging'))).toEqual(['send_sms']);
  });
});
