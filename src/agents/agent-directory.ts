import type { ConfigStore } from '../config/store';
import { defaultAgentFrom, DEFAULT_AGENT_ID } from './default-agent';
import type { AgentDefinition } from './definition';
import { resolveAgent, type ResolvedAgent } from './resolved-agent';
import { routeLine, type LineRoute } from './routing';

/** The agent answering a line, with the line's switch. */
export interface LineAgent {
  route: LineRoute;
  agent: ResolvedAgent;
}

/**
 * Who the agents are, live: the voice loop, messaging and the gateway ask it at each call and
 * message. Calls pin the version they started with (`get(id, version)`).
 */
export interface AgentDirectory {
  /** The agent for our end of a call or message (`address`: the number, WhatsApp sender or Conversations service). */
  forLine(accountSid: string, address: string, kind: 'voice' | 'messaging'): Promise<LineAgent>;
  /** The current version of an agent, or the one asked for; undefined when there is no such agent (or version). */
  get(agentId: string, version?: number): Promise<ResolvedAgent | undefined>;
}

/** The agents of the configuration alone (file and environment), each at version 1. */
export class ConfigAgentDirectory implements AgentDirectory {
  constructor(private readonly config: ConfigStore) {}

  async forLine(accountSid: string, address: string, kind: 'voice' | 'messaging'): Promise<LineAgent> {
    const config = this.config.get();
    const account = config.twilio.accounts.find((a) => a.accountSid === accountSid);
    const route = account ? routeLine(account, address, kind) : { agentId: DEFAULT_AGENT_ID, enabled: true };
    const agent = (await this.get(route.agentId)) ?? (await this.get(DEFAULT_AGENT_ID))!;
    return { route, agent };
  }

  async get(agentId: string, version?: number): Promise<ResolvedAgent | undefined> {
    if (version !== undefined && version !== 1) return undefined;
    const definition = this.definition(agentId);
    return definition && resolveAgent(definition, 1, this.config.get());
  }

  private definition(agentId: string): AgentDefinition | undefined {
    const config = this.config.get();
    if (agentId === DEFAULT_AGENT_ID) return defaultAgentFrom(config);
    return config.agents.find((a) => a.id === agentId);
  }
}
