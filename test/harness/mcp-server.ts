import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A tool call the server received, with the HTTP headers it came with. */
export interface McpToolCallRecord {
  tool: string;
  args: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  meta?: Record<string, unknown>;
}

/** A tool added at run time (to see a catalogue pick up a changed list). */
interface ExtraTool {
  name: string;
  description: string;
  answer: string;
}

/**
 * A small MCP server built with the official SDK (McpServer over streamable HTTP, stateless: a fresh
 * server per request, as API-style servers run), on an ephemeral port. Tools:
 * - `get_order_status {orderId}`: read-only; "not found" for `orderId` "missing" (an error result);
 * - `slow_tool {}`: answers after `slowToolMs` (to time a caller out);
 * - `create_ticket {subject}`: a side effect, counted.
 * It records every tool call with the headers it came with, and every HTTP request.
 */
export class TestMcpServer {
  readonly calls: McpToolCallRecord[] = [];
  readonly requests: Array<{ method: string; headers: IncomingHttpHeaders }> = [];
  /** Every `create_ticket` subject, in order (a repeated side effect shows up twice). */
  readonly tickets: string[] = [];
  private readonly extraTools: ExtraTool[] = [];
  private server?: http.Server;

  constructor(private readonly options: { slowToolMs?: number } = {}) {}

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', headers: req.headers });
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/mcp`;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  addTool(tool: ExtraTool): void {
    this.extraTools.push(tool);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      // Stateless: no standalone notification stream, no sessions to end.
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = this.mcpServer(req.headers);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    }
  }

  private mcpServer(headers: IncomingHttpHeaders): McpServer {
    const server = new McpServer({ name: 'beluga-test-mcp', version: '1.0.0' });
    const record = (tool: string, args: Record<string, unknown>, meta?: Record<string, unknown>) =>
      this.calls.push({ tool, args, headers, ...(meta ? { meta } : {}) });

    server.registerTool(
      'get_order_status',
      {
        description: "An order's status and delivery date.",
        inputSchema: { orderId: z.string().describe('the order number') },
        annotations: { readOnlyHint: true },
      },
      async ({ orderId }, extra) => {
        record('get_order_status', { orderId }, extra._meta);
        if (orderId === 'missing') return { isError: true, content: [{ type: 'text', text: `No order ${orderId}.` }] };
        return { content: [{ type: 'text', text: `Order ${orderId}: shipped, arriving Tuesday.` }] };
      },
    );
    server.registerTool('slow_tool', { description: 'Takes its time.', inputSchema: {} }, async (_args, extra) => {
      record('slow_tool', {}, extra._meta);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.slowToolMs ?? 5_000);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: 'finally done' }] };
    });
    server.registerTool(
      'create_ticket',
      { description: 'Opens a support ticket.', inputSchema: { subject: z.string() } },
      async ({ subject }, extra) => {
        record('create_ticket', { subject }, extra._meta);
        this.tickets.push(subject);
        return { content: [{ type: 'text', text: `Ticket ${this.tickets.length} opened.` }] };
      },
    );
    for (const tool of this.extraTools)
      server.registerTool(tool.name, { description: tool.description, inputSchema: {} }, async () => {
        record(tool.name, {});
        return { content: [{ type: 'text', text: tool.answer }] };
      });
    return server;
  }
}
