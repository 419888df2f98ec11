/**
 * What an agent's external tools look like to the model (specs) and where each offered name goes
 * (routes), so a workflow can dispatch a tool call without asking any server again.
 */
import type { ToolSpec } from '../agent/chat-model';
import type { Config } from '../config/schema';
import type { ExternalToolRoute } from './external-tool-context';
import { httpToolSpec } from './http-tools';
import type { McpCatalogue } from './mcp-tools';
import { parseToolReference } from './tool-names';

export interface ExternalToolOffer {
  specs: ToolSpec[];
  /** By offered name: run it with `runHttpTool` or `runMcpTool`. */
  routes: Record<string, ExternalToolRoute>;
}

/** The HTTP and MCP tools among an agent's `tools` (built-ins are left to the catalogue of built-ins). */
export async function externalToolOffer(
  references: string[],
  config: Config,
  mcp: Pick<McpCatalogue, 'entriesFor'>,
): Promise<ExternalToolOffer> {
  const specs: ToolSpec[] = [];
  const routes: Record<string, ExternalToolRoute> = {};
  for (const reference of references) {
    const ref = parseToolReference(reference);
    if (ref.kind !== 'http') continue;
    const tool = config.tools.http.find((t) => t.name === ref.name);
    if (!tool || routes[tool.name]) continue;
    specs.push(httpToolSpec(tool));
    routes[tool.name] = { kind: 'http', name: tool.name };
  }
  for (const entry of await mcp.entriesFor(references)) {
    // An HTTP tool of the same name came first: the model cannot be offered two.
    if (routes[entry.offeredName]) continue;
    specs.push(entry.spec);
    routes[entry.offeredName] = { kind: 'mcp', server: entry.server, tool: entry.tool };
  }
  return { specs, routes };
}
