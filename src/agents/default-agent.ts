import type { Config } from '../config/schema';
import { AgentDefinitionSchema, type AgentDefinition } from './definition';
import { resolveAgent, type ResolvedAgent } from './resolved-agent';
import { DEFAULT_AGENT_TOOLS } from './tool-names';

export const DEFAULT_AGENT_ID = 'default';

/**
 * The agent every line had before agents existed, built from the deployment's settings (`voice`,
 * `agent`, `tts`, `anthropic`, `assemblyai`): the prompts are exactly the old ones, so existing
 * configurations keep working. An agent with id `default` in `agents` replaces it.
 */
export function defaultAgentFrom(config: Config): AgentDefinition {
  const defined = config.agents.find((a) => a.id === DEFAULT_AGENT_ID);
  if (defined) return defined;
  return AgentDefinitionSchema.parse({
    id: DEFAULT_AGENT_ID,
    name: 'Default agent',
    voiceInstructions: config.voice.systemPrompt,
    messagingInstructions: config.agent.systemPrompt,
    greeting: config.voice.greeting,
    fallbackLine: config.voice.fallbackLine,
    fallbackReply: config.agent.fallbackReply,
    tools: DEFAULT_AGENT_TOOLS,
    ...(config.voice.transferNumber ? { transferNumber: config.voice.transferNumber } : {}),
  });
}

/** The default agent's model, with the deployment's settings filled in: what messaging and calls use until lines are routed. */
export function defaultAgentModel(config: Config): ResolvedAgent['model'] {
  return resolveAgent(defaultAgentFrom(config), 1, config).model;
}

/** Whether any agent (the default one included) runs on Anthropic: only then is an Anthropic key needed. */
export function anyAgentOnAnthropic(config: Config): boolean {
  return [defaultAgentFrom(config), ...config.agents].some((agent) => agent.model.provider === 'anthropic');
}
