/** Agents as configuration, without I/O: routing a line, validation problems, the system prompt's variables. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultAgentFrom } from '../../src/agents/default-agent';
import { AgentDefinitionSchema, type AgentDefinitionInput } from '../../src/agents/definition';
import { agentSystemPrompt, resolveAgent } from '../../src/agents/resolved-agent';
import { DEFAULT_DISABLED_MESSAGE, routeLine } from '../../src/agents/routing';
import { agentDefinitionProblems } from '../../src/agents/validate';
import { toolSpecsFor } from '../../src/agents/tools/offering';
import { ConfigError, loadConfig } from '../../src/config/load';
import type { Config, TwilioAccount } from '../../src/config/schema';

const SID = 'AC' + 'c3'.repeat(16);
const SALES = '+15005550101';
const SUPPORT = '+15005550102';

/** Loads a config file (JSON) the way the processes do; returns the config or the ConfigError's problems. */
function load(file: Record<string, unknown>): Config | string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-agents-'));
  const name = path.join(dir, 'config.json');
  fs.writeFileSync(name, JSON.stringify(file));
  try {
    return loadConfig({ BELUGA_CONFIG_FILE: name });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const agent = (id: string, extra: Partial<AgentDefinitionInput> = {}): AgentDefinitionInput => ({
  id,
  name: id[0]!.toUpperCase() + id.slice(1),
  instructions: `You are ${id}.`,
  ...extra,
});

function account(extra: Partial<TwilioAccount> = {}): TwilioAccount {
  const config = load({
    agents: [agent('sales'), agent('support')],
    twilio: { accounts: [{ accountSid: SID, authToken: 'token', ...extra }] },
  });
  if (Array.isArray(config)) throw new Error(config.join('\n'));
  return config.twilio.accounts[0]!;
}

describe('routeLine', () => {
  it('an unmapped line gets the account agent, else the default, enabled with no message', () => {
    expect(routeLine(account(), SALES, 'voice')).toEqual({ agentId: 'default', enabled: true });
    expect(routeLine(account({ agent: 'support' }), SALES, 'messaging')).toEqual({ agentId: 'support', enabled: true });
  });

  it("a line's own agent and switches win over the account's; a WhatsApp sender falls back to its number's line", () => {
    const acc = account({
      agent: 'support',
      voice: { enabled: true, disabledMessage: 'Account closed.' },
      lines: [{ address: SALES, agent: 'sales', voice: { enabled: false }, messaging: {} }],
    });
    expect(routeLine(acc, SALES, 'voice')).toEqual({
      agentId: 'sales',
      enabled: false,
      disabledMessage: 'Account closed.',
    });
    expect(routeLine(acc, SALES, 'messaging')).toEqual({ agentId: 'sales', enabled: true });
    expect(routeLine(acc, `whatsapp:${SALES}`, 'messaging').agentId).toBe('sales');
    expect(routeLine(acc, SUPPORT, 'voice')).toEqual({ agentId: 'support', enabled: true });
  });

  it("an operator's override wins field by field; an unset field still comes from the file", () => {
    const acc = account({
      lines: [
        {
          address: SALES,
          agent: 'sales',
          voice: { disabledMessage: 'Sales is closed today.' },
          messaging: { enabled: false, disabledReply: 'We read texts on weekdays.' },
        },
      ],
    });
    expect(routeLine(acc, SALES, 'voice', { voice: { enabled: false } })).toEqual({
      agentId: 'sales',
      enabled: false,
      disabledMessage: 'Sales is closed today.',
    });
    expect(routeLine(acc, SALES, 'messaging', { agent: 'support', messaging: { enabled: true } })).toEqual({
      agentId: 'support',
      enabled: true,
    });
    expect(routeLine(acc, SALES, 'messaging')).toEqual({
      agentId: 'sales',
      enabled: false,
      disabledReply: 'We read texts on weekdays.',
    });
    // Voice off with no message anywhere: the default message; messaging off with no reply: none.
    expect(routeLine(acc, SUPPORT, 'voice', { voice: { enabled: false } }).disabledMessage).toBe(
      DEFAULT_DISABLED_MESSAGE,
    );
    expect(routeLine(acc, SUPPORT, 'messaging', { messaging: { enabled: false } })).toEqual({
      agentId: 'default',
      enabled: false,
    });
  });
});

describe('agent validation names the field at fault', () => {
  it('schema problems: bad id, unknown instruction variable, missing model fields', () => {
    const problems = load({
      agents: [
        agent('Bad Id'),
        agent('ok', { instructions: 'Hello {{customerName}}, today is {{weekday}}.' }),
        agent('local', { model: { provider: 'openai-compatible' } }),
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^agents\.0\.id: lower-case letters/),
        expect.stringMatching(/^agents\.1\.instructions: unknown variable \{\{weekday\}\}/),
        'agents.2.model.baseUrl: required for an openai-compatible model',
        'agents.2.model.name: required for an openai-compatible model',
      ]),
    );
  });

  it('cross-references: duplicate ids, unknown tools and MCP servers, lines naming unknown agents', () => {
    const problems = load({
      agents: [agent('sales', { tools: ['send_sms', 'crm_lookup', 'mcp:docs'] }), agent('sales')],
      twilio: {
        accounts: [
          {
            accountSid: SID,
            authToken: 'token',
            agent: 'billing',
            lines: [
              { address: SALES, agent: 'nobody' },
              { address: SALES, agent: 'sales' },
            ],
          },
        ],
      },
    });
    expect(problems).toEqual([
      'agents[1].id: "sales" is used twice',
      'agents[0].tools[1]: "crm_lookup" is neither a built-in tool nor in tools.http',
      'agents[0].tools[2]: no MCP server "docs" in tools.mcpServers',
      'twilio.accounts[0].agent: no agent "billing" in agents',
      'twilio.accounts[0].lines[0].agent: no agent "nobody" in agents',
      `twilio.accounts[0].lines[1].address: ${SALES} is listed twice`,
    ]);
  });

  it("one agent's problems as paths (what the operator API answers)", () => {
    const config = loadConfig({});
    const definition = AgentDefinitionSchema.parse(agent('x', { tools: ['end_call', 'nope'] }));
    expect(agentDefinitionProblems(definition, config)).toEqual([
      { path: ['tools', 1], message: '"nope" is neither a built-in tool nor in tools.http' },
    ]);
  });
});

describe('agentSystemPrompt', () => {
  const config = loadConfig({});
  const now = new Date('2026-03-14T09:30:00Z');

  it('fills the variables, with "unknown" for what is not known, and adds the channel style', () => {
    const definition = AgentDefinitionSchema.parse(
      agent('concierge', {
        name: 'Concierge',
        instructions:
          'You are {{agentName}} talking to {{customerName}} over {{channel}} on {{today}}. Open {{ businessHours }}.',
        businessHours: 'weekdays 9 to 5',
        voiceInstructions: 'Speak slowly.',
      }),
    );
    const resolved = resolveAgent(definition, 4, config);
    expect(agentSystemPrompt(resolved, 'voice', { now })).toBe(
      'You are Concierge talking to unknown over voice on 2026-03-14. Open weekdays 9 to 5.\n\nSpeak slowly.',
    );
    expect(agentSystemPrompt(resolved, 'whatsapp', { now, customerName: 'Ada' })).toBe(
      'You are Concierge talking to Ada over whatsapp on 2026-03-14. Open weekdays 9 to 5.\n\nReplies are sent as text messages: keep them short and plain.',
    );
  });

  it("the default agent's prompts are exactly the deployment's old ones", () => {
    const resolved = resolveAgent(defaultAgentFrom(config), 1, config);
    expect(agentSystemPrompt(resolved, 'voice', { now })).toBe(config.voice.systemPrompt);
    expect(agentSystemPrompt(resolved, 'sms', { now })).toBe(config.agent.systemPrompt);
  });
});

describe("toolSpecsFor (an agent's tools)", () => {
  it("offers what the agent names on each channel (handoff only when named); an agent naming none, like the default agent, keeps today's tools; [] means none", () => {
    const config = loadConfig({});
    const names = (tools: string[] | undefined, channel: 'voice' | 'messaging', callerVerified = false) =>
      toolSpecsFor(AgentDefinitionSchema.parse(agent('a', tools ? { tools } : {})), channel, { callerVerified }).map(
        (t) => t.name,
      );
    const defaults = defaultAgentFrom(config);
    expect(toolSpecsFor(defaults, 'voice', { callerVerified: true }).map((t) => t.name)).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'transfer_call',
      'end_call',
    ]);
    expect(toolSpecsFor(defaults, 'messaging').map((t) => t.name)).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'escalate_to_human',
    ]);
    // An unverified caller is offered the verification tools whatever the agent names.
    expect(names(['end_call', 'handoff_to_agent'], 'voice')).toEqual([
      'end_call',
      'handoff_to_agent',
      'send_verification_code',
      'check_verification_code',
    ]);
    expect(names(['end_call'], 'messaging')).toEqual([]);
    expect(names(undefined, 'messaging')).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'escalate_to_human',
    ]);
    expect(names([], 'voice', true)).toEqual([]);
  });
});
