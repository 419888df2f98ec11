/**
 * MCP tools (`tools.mcpServers` in the config): the catalogue of what each server offers, through the
 * official SDK client over streamable HTTP. One catalogue per process: it keeps one connection per
 * server and its tool list, refreshed when the config reloads, when the server says its list
 * changed, or after a while. A server that is down offers no tools (and a warning), never a crash.
 */
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolSpec } from '../agent/chat-model';
import type { Config } from '../config/schema';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { ExternalToolContext, ExternalToolResult } from './external-tool-context';
import { resolveHeaders, type McpServer } from './external-tools';
import { withinBytes } from './response-size';
import { parseToolReference } from './tool-names';

/** One tool of one server, as the model is offered it. */
export interface McpToolEntry {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  /** `<server>__<tool>`, made safe for the model's tool names. */
  offeredName: string;
  spec: ToolSpec;
  /** The server marks it read-only or idempotent: another attempt after a lost connection is harmless. */
  retrySafe: boolean;
}

/** One attempt's outcome: the model's result, whether another attempt may help and is safe, and what the logs get. */
export interface McpCallAttempt {
  result: ExternalToolResult;
  retryable: boolean;
  problem?: string;
}

export interface McpCatalogueOptions {
  config: Pick<ConfigStore, 'get' | 'onChange'>;
  log: Logger;
  /** A tool list is asked again after this long, even without a reload (default 5 minutes). */
  listTtlMs?: number;
  /** A server that could not be listed is asked again after this long (default 30 s). */
  downRetryMs?: number;
  env?: Record<string, string | undefined>;
}

/** The model sees at most this much of a tool's answer. */
const MAX_RESULT_BYTES = 16_384;

interface Listing {
  tools: McpToolEntry[];
  expiresAt: number;
}

interface Connection {
  /** What the connection was opened with: a reload that changes it reconnects. */
  key: string;
  client: Promise<Client>;
}

export class McpCatalogue {
  private readonly listings = new Map<string, Promise<Listing>>();
  private readonly connections = new Map<string, Connection>();
  private readonly unsubscribe: () => void;
  private readonly listTtlMs: number;
  private readonly downRetryMs: number;
  private readonly env: Record<string, string | undefined>;

  constructor(private readonly options: McpCatalogueOptions) {
    this.listTtlMs = options.listTtlMs ?? 5 * 60_000;
    this.downRetryMs = options.downRetryMs ?? 30_000;
    this.env = options.env ?? process.env;
    this.unsubscribe = options.config.onChange((next) => this.reloaded(next));
  }

  /** The specs for an agent's `mcp:<server>` and `mcp:<server>/<tool>` references (other references are not ours). */
  async mcpToolSpecsFor(references: string[]): Promise<ToolSpec[]> {
    return (await this.entriesFor(references)).map((e) => e.spec);
  }

  /** The tools behind an agent's MCP references, in the order named, each once. */
  async entriesFor(references: string[]): Promise<McpToolEntry[]> {
    const wanted = references.flatMap((r) => {
      const ref = parseToolReference(r);
      return ref.kind === 'mcp' ? [ref] : [];
    });
    const listed = await Promise.all(wanted.map((ref) => this.toolsOf(ref.server)));
    const entries = new Map<string, McpToolEntry>();
    wanted.forEach((ref, i) => {
      const tools = listed[i]!;
      const chosen = ref.tool === undefined ? tools : tools.filter((t) => t.tool === ref.tool);
      if (ref.tool !== undefined && chosen.length === 0 && tools.length > 0)
        this.options.log.warn(
          { server: ref.server, tool: ref.tool },
          'an agent names an MCP tool its server does not offer',
        );
      for (const entry of chosen) if (!entries.has(entry.offeredName)) entries.set(entry.offeredName, entry);
    });
    return [...entries.values()];
  }

  /** The server and tool behind a name the model was offered (`orders__get_order_status`). */
  async resolve(offeredName: string): Promise<{ server: string; tool: string } | undefined> {
    // Offered names keep `<server>__` whole (server names are short and already safe).
    const candidates = this.options.config.get().tools.mcpServers.filter((s) => offeredName.startsWith(`${s.name}__`));
    for (const server of candidates) {
      const entry = (await this.toolsOf(server.name)).find((t) => t.offeredName === offeredName);
      if (entry) return { server: entry.server, tool: entry.tool };
    }
    return undefined;
  }

  /** A server's tools: from the cache, or listed now; none (and a warning) when it cannot be reached. */
  async toolsOf(serverName: string): Promise<McpToolEntry[]> {
    for (;;) {
      const cached = this.listings.get(serverName);
      if (!cached) break;
      const listing = await cached;
      // A reload meanwhile cleared it: look again (a fresh list may already be on its way).
      if (this.listings.get(serverName) !== cached) continue;
      if (listing.expiresAt > Date.now()) return listing.tools;
      this.listings.delete(serverName);
      break;
    }
    const server = this.serverNamed(serverName);
    if (!server) return [];
    const listing = this.list(server);
    this.listings.set(serverName, listing);
    return (await listing).tools;
  }

  /** Calls a tool once; failures become a short result for the model. */
  async call(
    serverName: string,
    toolName: string,
    input: Record<string, unknown>,
    context: ExternalToolContext,
  ): Promise<McpCallAttempt> {
    const fail = (result: string, problem: string, retryable = false): McpCallAttempt => ({
      result: { ok: false, result },
      retryable,
      problem,
    });
    const server = this.serverNamed(serverName);
    if (!server)
      return fail(`The tool ${toolName} is no longer available.`, `no MCP server "${serverName}" in the config`);
    try {
      resolveHeaders(server.headers, this.env);
    } catch (error) {
      return fail(`The tool ${toolName} is not set up correctly, so it cannot be used now.`, describe(error));
    }
    let client: Client;
    try {
      client = await this.client(server);
    } catch (error) {
      // Nothing was asked of the server yet: trying again cannot repeat the call.
      return fail(`The tool ${toolName} could not be reached.`, `could not connect: ${describe(error)}`, true);
    }
    const retrySafe = (await this.toolsOf(serverName)).find((t) => t.tool === toolName)?.retrySafe ?? false;
    try {
      const result = (await client.callTool(
        { name: toolName, arguments: input, _meta: { 'beluga/idempotency-key': context.idempotencyKey } },
        undefined,
        { timeout: server.timeoutMs },
      )) as CallToolResult;
      const text = resultText(result);
      if (result.isError)
        return fail(
          withinBytes(text || `The tool ${toolName} failed.`, MAX_RESULT_BYTES),
          `the tool answered with an error: ${text.slice(0, 200)}`,
        );
      return { result: { ok: true, result: withinBytes(text, MAX_RESULT_BYTES) }, retryable: false };
    } catch (error) {
      if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number))
        return fail(`The tool ${toolName} did not answer in time.`, `no answer within ${server.timeoutMs} ms`);
      // The server answered with a protocol error (unknown tool, bad arguments): another attempt gets the same.
      if (error instanceof McpError) return fail(`The tool ${toolName} failed: ${error.message}`, describe(error));
      // The connection broke: open a fresh one next time (the server may have restarted and lost our session).
      void this.drop(serverName);
      return fail(
        `The tool ${toolName} could not be reached.`,
        `connection failed: ${describe(error)}`,
        retrySafe || sessionRefused(error),
      );
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.listings.clear();
    const open = [...this.connections.keys()];
    await Promise.all(open.map((name) => this.drop(name)));
  }

  private serverNamed(name: string): McpServer | undefined {
    return this.options.config.get().tools.mcpServers.find((s) => s.name === name);
  }

  private async list(server: McpServer): Promise<Listing> {
    try {
      const client = await this.client(server);
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: server.timeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return { tools: entriesOf(server.name, tools), expiresAt: Date.now() + this.listTtlMs };
    } catch (error) {
      this.options.log.warn(
        { server: server.name, error: describe(error) },
        'MCP server could not be listed: its tools are not offered until it answers',
      );
      void this.drop(server.name);
      return { tools: [], expiresAt: Date.now() + this.downRetryMs };
    }
  }

  private client(server: McpServer): Promise<Client> {
    const key = JSON.stringify([server.url, server.headers, server.timeoutMs]);
    const existing = this.connections.get(server.name);
    if (existing?.key === key) return existing.client;
    if (existing) void this.drop(server.name);
    const client = this.open(server);
    this.connections.set(server.name, { key, client });
    client.catch(() => {
      if (this.connections.get(server.name)?.client === client) this.connections.delete(server.name);
    });
    return client;
  }

  private async open(server: McpServer): Promise<Client> {
    // Throws naming a missing variable, never a value.
    const headers = resolveHeaders(server.headers, this.env);
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
    const client = new Client(
      { name: 'beluga-telephony', version: '1' },
      {
        listChanged: {
          tools: { autoRefresh: false, debounceMs: 0, onChanged: () => this.listings.delete(server.name) },
        },
      },
    );
    try {
      await client.connect(transport, { timeout: server.timeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private async drop(serverName: string): Promise<void> {
    const connection = this.connections.get(serverName);
    if (!connection) return;
    this.connections.delete(serverName);
    const client = await connection.client.catch(() => undefined);
    await client?.close().catch(() => undefined);
  }

  /** A reload may change servers and their tools: every list is asked again; changed servers reconnect. */
  private reloaded(next: Config): void {
    this.listings.clear();
    for (const name of [...this.connections.keys()])
      if (!next.tools.mcpServers.some((s) => s.name === name)) void this.drop(name);
  }
}

/** A server's tools with the names the model is offered; a clash after shortening gets a hash. */
function entriesOf(server: string, tools: Tool[]): McpToolEntry[] {
  const taken = new Set<string>();
  return tools.map((tool) => {
    let offeredName = offeredToolName(server, tool.name);
    if (taken.has(offeredName)) offeredName = hashedName(`${server}__${tool.name}`);
    taken.add(offeredName);
    const annotations = tool.annotations ?? {};
    return {
      server,
      tool: tool.name,
      offeredName,
      spec: {
        name: offeredName,
        description: tool.description ?? tool.title ?? tool.name,
        inputSchema: { ...tool.inputSchema, type: 'object', properties: tool.inputSchema.properties ?? {} },
      },
      retrySafe: annotations.readOnlyHint === true || annotations.idempotentHint === true,
    };
  });
}

/** `<server>__<tool>` in letters, digits, _ and - (what model APIs accept), at most 64 characters. */
export function offeredToolName(server: string, tool: string): string {
  const name = `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return name.length <= 64 ? name : hashedName(`${server}__${tool}`);
}

function hashedName(full: string): string {
  const safe = full.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${safe.slice(0, 55)}_${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;
}

/** What the model reads: the text parts, joined; other parts named; structured content when there is no text. */
function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((part) => {
    if (part.type === 'text') return part.text;
    if (part.type === 'resource')
      return 'text' in part.resource ? part.resource.text : `[resource ${part.resource.uri}]`;
    if (part.type === 'resource_link') return `[link ${part.uri}]`;
    return `[${part.type}]`;
  });
  if (parts.length === 0 && result.structuredContent) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** The server did not know our session (it restarted): the call never ran. */
function sessionRefused(error: unknown): boolean {
  return error instanceof StreamableHTTPError && error.code === 404;
}

function describe(error: unknown): string {
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  return message.slice(0, 300);
}
