import type { ExternalToolContext } from '../../src/agents/external-tool-context';
import { externalToolOffer } from '../../src/agents/external-tool-offer';
import { McpCatalogue, offeredToolName } from '../../src/agents/mcp-tools';
import { freePort } from '../../devstack/free-port';
import { startExternalToolWorker, type ExternalToolWorker } from '../harness/external-tool-worker';
import { TestMcpServer } from '../harness/mcp-server';
import { eventually } from '../harness/system';
import { capturedLogger, TempConfig } from '../harness/temp-config';

const SECRET = 'mcp-secret-key-77ab';
const ENV_NAME = 'BELUGA_TEST_MCP_KEY';

function context(toolCallId: string): ExternalToolContext {
  return {
    accountSid: 'AC' + 'a1'.repeat(16),
    customerId: 'cust-1',
    channel: 'voice',
    toolCallId,
    idempotencyKey: `CAabc:${toolCallId}`,
    callSid: 'CAabc',
  };
}

// MCP servers declared in the config, through the official SDK client against a server built with the
// same SDK; calls run as the real `runMcpTool` activity through a workflow on the test Temporal server.
describe('MCP tools', () => {
  const server = new TestMcpServer({ slowToolMs: 3_000 });
  const logs = capturedLogger();
  let downUrl: string;
  let config: TempConfig;
  let fileContent: Record<string, unknown>;
  let mcp: McpCatalogue;
  let worker: ExternalToolWorker;

  beforeAll(async () => {
    process.env[ENV_NAME] = SECRET;
    await server.start();
    downUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    fileContent = {
      tools: {
        mcpServers: [
          { name: 'orders', url: server.url, headers: { 'X-Api-Key': `\${env:${ENV_NAME}}` }, timeoutMs: 1_000 },
          { name: 'down', url: downUrl, timeoutMs: 500 },
        ],
      },
    };
    config = new TempConfig(fileContent);
    mcp = new McpCatalogue({ config: config.store, log: logs.log, downRetryMs: 100 });
    worker = await startExternalToolWorker({ config: () => config.store.get(), mcp, log: logs.log });
  });

  afterAll(async () => {
    await worker?.stop();
    await mcp?.close();
    await server.stop();
    config?.remove();
    delete process.env[ENV_NAME];
  });

  it("lists a server's tools with their schemas, under names the model accepts, sending the configured headers", async () => {
    const specs = await mcp.mcpToolSpecsFor(['mcp:orders', 'lookup_customer']);
    expect(specs.map((s) => s.name)).toEqual([
      'orders__get_order_status',
      'orders__slow_tool',
      'orders__create_ticket',
    ]);
    expect(specs[0]).toEqual({
      name: 'orders__get_order_status',
      description: "An order's status and delivery date.",
      inputSchema: expect.objectContaining({
        type: 'object',
        properties: { orderId: { type: 'string', description: 'the order number' } },
        required: ['orderId'],
      }) as unknown,
    });
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.headers['x-api-key'] === SECRET)).toBe(true);

    // One tool of a server, by reference; and the way back from the offered name.
    expect((await mcp.mcpToolSpecsFor(['mcp:orders/get_order_status'])).map((s) => s.name)).toEqual([
      'orders__get_order_status',
    ]);
    expect(await mcp.resolve('orders__create_ticket')).toEqual({ server: 'orders', tool: 'create_ticket' });
    expect(await mcp.resolve('orders__no_such_tool')).toBeUndefined();

    const offer = await externalToolOffer(['mcp:orders/get_order_status'], config.store.get(), mcp);
    expect(offer.routes).toEqual({
      orders__get_order_status: { kind: 'mcp', server: 'orders', tool: 'get_order_status' },
    });
  });

  it('keeps the list cached: listing again asks the server nothing', async () => {
    await mcp.mcpToolSpecsFor(['mcp:orders']);
    const before = server.requests.length;
    await mcp.mcpToolSpecsFor(['mcp:orders']);
    expect(server.requests.length).toBe(before);
  });

  it('calls a tool as an activity: the text comes back, the headers and the idempotency key reach the server', async () => {
    const before = server.calls.length;
    const args = { server: 'orders', tool: 'get_order_status', input: { orderId: 'A17' }, context: context('toolu_1') };
    const { result, activities } = await worker.run({ kind: 'mcp', args });
    expect(result).toEqual({ ok: true, result: 'Order A17: shipped, arriving Tuesday.' });
    const [call] = server.calls.slice(before);
    expect(call).toEqual({
      tool: 'get_order_status',
      args: { orderId: 'A17' },
      headers: expect.objectContaining({ 'x-api-key': SECRET }) as unknown,
      meta: { 'beluga/idempotency-key': 'CAabc:toolu_1' },
    });
    expect(activities).toEqual([{ type: 'runMcpTool', input: args, attempt: 1 }]);
    expect(logs.text()).not.toContain(SECRET);
  });

  it("gives the model the tool's own error text when it reports an error, without retrying", async () => {
    const before = server.calls.length;
    const { result, activities } = await worker.run({
      kind: 'mcp',
      args: { server: 'orders', tool: 'get_order_status', input: { orderId: 'missing' }, context: context('toolu_2') },
    });
    expect(result).toEqual({ ok: false, result: 'No order missing.' });
    expect(server.calls.length - before).toBe(1);
    expect(activities.map((a) => a.attempt)).toEqual([1]);
  });

  it('gives the model an error result when the tool does not answer within the server timeout', async () => {
    const started = Date.now();
    const { result, activities } = await worker.run({
      kind: 'mcp',
      args: { server: 'orders', tool: 'slow_tool', input: {}, context: context('toolu_3') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool slow_tool did not answer in time.' });
    expect(Date.now() - started).toBeLessThan(2_900);
    expect(activities.map((a) => a.attempt)).toEqual([1]);
  });

  it('offers no tools of a server that is down, with a warning, and a call to it becomes an error result', async () => {
    expect(await mcp.mcpToolSpecsFor(['mcp:down'])).toEqual([]);
    const warning = logs.lines.find((l) => l.server === 'down' && l.level === 40);
    expect(warning?.msg).toBe('MCP server could not be listed: its tools are not offered until it answers');
    // Only the server that is down is missing: an agent naming both still gets the other's tools.
    expect((await mcp.mcpToolSpecsFor(['mcp:down', 'mcp:orders'])).length).toBe(3);

    const { result, activities } = await worker.run({
      kind: 'mcp',
      args: { server: 'down', tool: 'anything', input: {}, context: context('toolu_4') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool anything could not be reached.' });
    // Connecting failed, so nothing ran: Temporal tried again, and the last attempt answered.
    expect(activities.map((a) => a.attempt)).toEqual([3]);
  });

  it('offers the tools of a server that came back up (after the short retry delay)', async () => {
    const late = new TestMcpServer();
    await late.start(Number(new URL(downUrl).port));
    try {
      expect(
        await eventually('the server that came back to be listed', async () => {
          const specs = await mcp.mcpToolSpecsFor(['mcp:down/get_order_status']);
          return specs.length > 0 && specs.map((s) => s.name);
        }),
      ).toEqual(['down__get_order_status']);
    } finally {
      await late.stop();
    }
  });

  it('lists again when the configuration reloads', async () => {
    expect((await mcp.mcpToolSpecsFor(['mcp:orders'])).map((s) => s.name)).not.toContain('orders__get_opening_hours');
    server.addTool({ name: 'get_opening_hours', description: 'When the shop is open.', answer: '9 to 5' });
    // Still the cached list.
    expect((await mcp.mcpToolSpecsFor(['mcp:orders'])).map((s) => s.name)).not.toContain('orders__get_opening_hours');

    config.write({ ...fileContent, logLevel: 'debug' });
    expect(config.store.reload()).toBeUndefined();
    expect((await mcp.mcpToolSpecsFor(['mcp:orders'])).map((s) => s.name)).toContain('orders__get_opening_hours');
    const { result } = await worker.run({
      kind: 'mcp',
      args: { server: 'orders', tool: 'get_opening_hours', input: {}, context: context('toolu_5') },
    });
    expect(result).toEqual({ ok: true, result: '9 to 5' });
  });

  it('lists again after its time to live, without a reload', async () => {
    const quick = new McpCatalogue({ config: config.store, log: logs.log, listTtlMs: 200 });
    try {
      await quick.mcpToolSpecsFor(['mcp:orders']);
      server.addTool({ name: 'get_returns_policy', description: 'How returns work.', answer: '30 days' });
      expect((await quick.mcpToolSpecsFor(['mcp:orders'])).map((s) => s.name)).not.toContain(
        'orders__get_returns_policy',
      );
      await new Promise((r) => setTimeout(r, 250));
      expect((await quick.mcpToolSpecsFor(['mcp:orders'])).map((s) => s.name)).toContain('orders__get_returns_policy');
    } finally {
      await quick.close();
    }
  });

  it('makes every offered name safe for the model: allowed characters, at most 64, distinct', () => {
    expect(offeredToolName('orders', 'get.status/v2')).toBe('orders__get_status_v2');
    const long1 = offeredToolName('orders', `${'x'.repeat(70)}_one`);
    const long2 = offeredToolName('orders', `${'x'.repeat(70)}_two`);
    for (const name of [long1, long2]) expect(name).toMatch(/^orders__[A-Za-z0-9_-]{1,56}$/);
    expect(long1).toHaveLength(64);
    expect(long1).not.toBe(long2);
  });
});
