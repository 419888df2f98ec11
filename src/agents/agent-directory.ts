import type { ResolvedAgent } from './resolved-agent';
import type { LineRoute } from './routing';

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
