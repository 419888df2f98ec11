import type { Config } from '../config/schema';
import { DEFAULT_AGENT_ID } from './default-agent';
import type { AgentDefinition } from './definition';
import { inputSchemaProblem } from './tool-input-schema';
import { isBuiltInTool, parseToolReference } from './tool-names';

/** A problem with one agent's definition: the field (`tools.2`) and what is wrong with it. */
export interface AgentProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * What the schema alone cannot check about one agent: the tools it names must exist in this
 * configuration (`tools.http`, `tools.mcpServers`). Used for the file's agents and the operator API's.
 */
export function agentDefinitionProblems(agent: AgentDefinition, config: Config): AgentProblem[] {
  const httpTools = new Set(config.tools.http.map((t) => t.name));
  const mcpServers = new Set(config.tools.mcpServers.map((s) => s.name));
  const problems: AgentProblem[] = [];
  (agent.tools ?? []).forEach((name, j) => {
    const ref = parseToolReference(name);
    if (ref.kind === 'mcp' && !mcpServers.has(ref.server))
      problems.push({ path: ['tools', j], message: `no MCP server "${ref.server}" in tools.mcpServers` });
    if (ref.kind === 'http' && !httpTools.has(ref.name))
      problems.push({ path: ['tools', j], message: `"${name}" is neither a built-in tool nor in tools.http` });
  });
  return problems;
}

/**
 * What the schema alone cannot check: agents, tools and lines that refer to each other. Each problem
 * names the field the way it is written in the config file.
 */
export function agentConfigProblems(config: Config): string[] {
  const problems: string[] = [];
  const agentIds = new Set<string>();
  config.agents.forEach((agent, i) => {
    if (agentIds.has(agent.id)) problems.push(`agents[${i}].id: "${agent.id}" is used twice`);
    agentIds.add(agent.id);
  });
  // The deployment's own settings make an agent `default` when none is defined.
  agentIds.add(DEFAULT_AGENT_ID);
  const httpTools = new Set<string>();
  config.tools.http.forEach((tool, i) => {
    if (isBuiltInTool(tool.name)) problems.push(`tools.http[${i}].name: "${tool.name}" is a built-in tool's name`);
    else if (httpTools.has(tool.name)) problems.push(`tools.http[${i}].name: "${tool.name}" is used twice`);
    httpTools.add(tool.name);
    const schemaProblem = inputSchemaProblem(tool.input);
    if (schemaProblem) problems.push(`tools.http[${i}].input: ${schemaProblem}`);
    for (const [, field] of tool.url.matchAll(/\{\{\s*([A-Za-z0-9_-]+)[^}]*\}\}/g))
      if (!Object.hasOwn(tool.input.properties, field!))
        problems.push(`tools.http[${i}].url: {{${field}}} is not a property of its input`);
  });
  const mcpServers = new Set<string>();
  config.tools.mcpServers.forEach((server, i) => {
    if (mcpServers.has(server.name)) problems.push(`tools.mcpServers[${i}].name: "${server.name}" is used twice`);
    mcpServers.add(server.name);
  });
  config.agents.forEach((agent, i) =>
    agentDefinitionProblems(agent, config).forEach(({ path, message }) =>
      problems.push(
        `agents[${i}]${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${message}`,
      ),
    ),
  );
  config.twilio.accounts.forEach((account, i) => {
    if (account.agent && !agentIds.has(account.agent))
      problems.push(`twilio.accounts[${i}].agent: no agent "${account.agent}" in agents`);
    const seen = new Set<string>();
    account.lines.forEach((line, j) => {
      if (seen.has(line.address))
        problems.push(`twilio.accounts[${i}].lines[${j}].address: ${line.address} is listed twice`);
      seen.add(line.address);
      if (line.agent && !agentIds.has(line.agent))
        problems.push(`twilio.accounts[${i}].lines[${j}].agent: no agent "${line.agent}" in agents`);
    });
  });
  return problems;
}
