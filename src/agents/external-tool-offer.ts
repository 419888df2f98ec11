/**
 * What an agent's external tools look like to the model (specs) and where each offered name goes
 * (routes), so a workflow can dispatch a tool call without asking any server again.
 */
import type { ToolSpec } from '../agent/chat-model';
import type { Config } from '../config/schema';
import type { ExternalToolRoute } from './external-tool-context';
import { httpToolSpec, isIdempotent } from './http-tools';
import type { McpCatalogue } from './mcp-tools';
import { parseToolReference } from './tool-names';
import type { OfferedTool } from './tools/offering';

export interface ExternalToolOffer {
  specs: ToolSpec[];
  /** By offered name: run it with `runHttpTool` or `runMcpTool`. */
  routes: Record<string, ExternalToolRoute>;
  /** The same, as offered beside the built-ins (`toolSpecsFor`'s `extra`): spec, route, repeat safety, filler. */
  tools: OfferedTool[];
}

/** The HTTP and MCP tools among an agent's `tools` (built-ins are left to the catalogue of built-ins). */
export async function externalToolOffer(
  references: readonly string[],
  config: Config,
  /** Absent where no MCP connections are kept (the gateway): MCP references offer nothing. */
  mcp?: Pick<McpCatalogue, 'entriesFor'>,
): Promise<ExternalToolOffer> {
  const specs: ToolSpec[] = [];
  const routes: Record<string, ExternalToolRoute> = {};
  const tools: OfferedTool[] = [];
  for (const reference of references) {
    const ref = parseToolReference(reference);
    if (ref.kind !== 'http') continue;
    const tool = config.tools.http.find((t) => t.name === ref.name);
    if (!tool || routes[tool.name]) continue;
    const spec = httpToolSpec(tool);
    specs.push(spec);
    routes[tool.name] = { kind: 'http', name: tool.name };
    tools.push({
      ...spec,
      route: routes[tool.name]!,
      repeatSafe: isIdempotent(tool),
      ...(tool.filler ? { filler: tool.filler } : {}),
    });
  }
  for (const entry of mcp ? await mcp.entriesFor([...references]) : []) {
    // An HTTP tool of the same name came first: the model cannot be offered two.
    if (routes[entry.offeredName]) continue;
    specs.push(entry.spec);
    routes[entry.offeredName] = { kind: 'mcp', server: entry.server, tool: entry.tool };
    tools.push({ ...entry.spec, route: routes[entry.offeredName]!, repeatSafe: entry.retrySafe });
  }
  return { specs, routes, tools };
}
