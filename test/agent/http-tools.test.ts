import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { ExternalToolContext } from '../../src/agents/external-tool-context';
import { McpCatalogue } from '../../src/agents/mcp-tools';
import { externalToolOffer } from '../../src/agents/external-tool-offer';
import { startExternalToolWorker, type ExternalToolWorker } from '../harness/external-tool-worker';
import { HttpToolTarget } from '../harness/http-tool-target';
import { capturedLogger, TempConfig } from '../harness/temp-config';
import { freePort } from '../../devstack/free-port';

const SECRET = 'crm-secret-token-5f1e';
const ENV_NAME = 'BELUGA_TEST_CRM_TOKEN';

function context(toolCallId: string): ExternalToolContext {
  return {
    accountSid: 'AC' + 'a1'.repeat(16),
    customerId: 'cust-1',
    channel: 'sms',
    toolCallId,
    idempotencyKey: `SMxyz:${toolCallId}`,
    messageSid: 'SMxyz',
  };
}

const orderInput = {
  type: 'object',
  properties: { orderId: { type: 'string', description: 'the order number' }, region: { type: 'string' } },
  required: ['orderId'],
};

// HTTP tools declared in the config, run by the real `runHttpTool` activity through a workflow on the
// test Temporal server (its retries, its history) against a plain HTTP server.
describe('HTTP tools', () => {
  const target = new HttpToolTarget();
  const logs = capturedLogger();
  let config: TempConfig;
  let worker: ExternalToolWorker;
  let mcp: McpCatalogue;

  beforeAll(async () => {
    process.env[ENV_NAME] = SECRET;
    const url = await target.start();
    const closedPort = await freePort();
    config = new TempConfig({
      tools: {
        http: [
          {
            name: 'get_order_status',
            description: "An order's status and delivery date.",
            url: `${url}/orders/{{orderId}}?region={{ region }}`,
            headers: { Authorization: `Bearer \${env:${ENV_NAME}}`, 'X-Client': 'beluga' },
            input: orderInput,
            responseFields: ['order.status', 'order.eta', 'order.missing'],
          },
          {
            name: 'get_terms',
            description: 'The terms of service.',
            url: `${url}/terms`,
            maxResponseBytes: 64,
          },
          {
            name: 'create_ticket',
            description: 'Opens a support ticket.',
            method: 'POST',
            url: `${url}/tickets`,
            input: { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] },
          },
          {
            name: 'update_address',
            description: "Sets the customer's address.",
            method: 'PUT',
            url: `${url}/address`,
            input: { type: 'object', properties: { address: { type: 'string' } }, required: ['address'] },
          },
          {
            name: 'slow_lookup',
            description: 'A slow service.',
            url: `${url}/slow`,
            timeoutMs: 300,
          },
          {
            name: 'unreachable_post',
            description: 'A service that is down.',
            method: 'POST',
            url: `http://127.0.0.1:${closedPort}/x`,
          },
        ],
      },
    });
    mcp = new McpCatalogue({ config: config.store, log: logs.log });
    worker = await startExternalToolWorker({ config: () => config.store.get(), mcp, log: logs.log });
  });

  afterAll(async () => {
    await worker?.stop();
    await mcp?.close();
    await target.stop();
    config?.remove();
    delete process.env[ENV_NAME];
  });

  beforeEach(() => target.answer(() => ({ body: { ok: true } })));

  it('fills the URL template, sends the env header and the idempotency key, and shows the model only the chosen fields', async () => {
    target.answer(() => ({
      body: { order: { status: 'shipped', eta: 'Tuesday', internalNotes: 'do not show'.repeat(50) } },
    }));
    const before = target.requests.length;
    const args = { name: 'get_order_status', input: { orderId: 'A 1/2', region: 'eu' }, context: context('toolu_1') };
    const { result, activities } = await worker.run({ kind: 'http', args });

    expect(result).toEqual({ ok: true, result: { 'order.status': 'shipped', 'order.eta': 'Tuesday' } });
    const [request, ...more] = target.requests.slice(before);
    expect(more).toHaveLength(0);
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/orders/A%201%2F2?region=eu');
    expect(request!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request!.headers['x-client']).toBe('beluga');
    expect(request!.headers['idempotency-key']).toBe('SMxyz:toolu_1');
    expect(request!.body).toBe('');
    // The call is in the workflow's history with its input.
    expect(activities).toEqual([{ type: 'runHttpTool', input: args, attempt: 1 }]);
    // The secret reached the server, never the logs.
    expect(logs.text()).toContain('get_order_status');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('cuts a long answer to the size cap and says that it did', async () => {
    target.answer(() => ({ body: 'é'.repeat(100), headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    const { result } = await worker.run({
      kind: 'http',
      args: { name: 'get_terms', input: {}, context: context('toolu_2') },
    });
    expect(result.ok).toBe(true);
    const text = result.result as string;
    // 64 bytes are 32 two-byte characters: none is split.
    expect(text).toBe(`${'é'.repeat(32)}… [cut: the response was 200 bytes; only the first 64 bytes are shown]`);
  });

  it('sends the input as JSON and does not repeat a non-idempotent call after a server error', async () => {
    target.answer(() => ({ status: 500, body: 'database exploded' }));
    const before = target.requests.length;
    const { result, activities } = await worker.run({
      kind: 'http',
      args: { name: 'create_ticket', input: { subject: 'Broken phone' }, context: context('toolu_3') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool create_ticket is not available right now (HTTP 500).' });
    const requests = target.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toEqual({ subject: 'Broken phone' });
    expect(activities.map((a) => a.attempt)).toEqual([1]);
  });

  it('retries an idempotent call after server errors until it succeeds, with the same idempotency key', async () => {
    const before = target.requests.length;
    target.answer((_request, index) =>
      index - before < 2 ? { status: 503, body: 'busy' } : { body: { saved: true } },
    );
    const { result, activities } = await worker.run({
      kind: 'http',
      args: { name: 'update_address', input: { address: '1 Main St' }, context: context('toolu_4') },
    });
    expect(result).toEqual({ ok: true, result: { saved: true } });
    const requests = target.requests.slice(before);
    expect(requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(new Set(requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['SMxyz:toolu_4']));
    // Temporal made the attempts (the history's activity completed on its third).
    expect(activities).toEqual([expect.objectContaining({ type: 'runHttpTool', attempt: 3 })]);
  });

  it('gives the model an error result when an idempotent call keeps failing', async () => {
    target.answer(() => ({ status: 429, body: 'slow down' }));
    const before = target.requests.length;
    const { result, activities } = await worker.run({
      kind: 'http',
      args: { name: 'update_address', input: { address: '1 Main St' }, context: context('toolu_5') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool update_address is not available right now (HTTP 429).' });
    expect(target.requests.length - before).toBe(3);
    expect(activities.map((a) => a.attempt)).toEqual([3]);
  });

  it('retries even a non-idempotent call when the connection was refused (the request never left)', async () => {
    const { result, activities } = await worker.run({
      kind: 'http',
      args: { name: 'unreachable_post', input: {}, context: context('toolu_6') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool unreachable_post could not be reached.' });
    expect(activities.map((a) => a.attempt)).toEqual([3]);
  });

  it('turns a timeout into an error result at once (the caller is waiting; no retry)', async () => {
    target.answer(() => ({ delayMs: 2_000, body: { late: true } }));
    const before = target.requests.length;
    const started = Date.now();
    const { result, activities } = await worker.run({
      kind: 'http',
      args: { name: 'slow_lookup', input: {}, context: context('toolu_7') },
    });
    expect(result).toEqual({ ok: false, result: 'The tool slow_lookup did not answer in time.' });
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(target.requests.length - before).toBe(1);
    expect(activities.map((a) => a.attempt)).toEqual([1]);
  });

  it('refuses input that does not match the schema, naming the field, without calling the server', async () => {
    const before = target.requests.length;
    const { result } = await worker.run({
      kind: 'http',
      args: { name: 'get_order_status', input: { orderId: 42 }, context: context('toolu_8') },
    });
    expect(result).toEqual({
      ok: false,
      result: 'The input for get_order_status is invalid: orderId: expected string, received number',
    });
    const missing = await worker.run({
      kind: 'http',
      args: { name: 'get_order_status', input: { orderId: 'A1' }, context: context('toolu_9') },
    });
    expect(missing.result).toEqual({
      ok: false,
      result: 'The input for get_order_status has no "region", which it needs.',
    });
    expect(target.requests.length).toBe(before);
  });

  it('passes a refusal (4xx) on to the model with its reason, once', async () => {
    target.answer(() => ({ status: 404, body: { error: 'no such order' } }));
    const before = target.requests.length;
    const { result } = await worker.run({
      kind: 'http',
      args: { name: 'get_order_status', input: { orderId: 'Z9', region: 'us' }, context: context('toolu_10') },
    });
    expect(result).toEqual({
      ok: false,
      result: 'The tool get_order_status refused the request (HTTP 404): {"error":"no such order"}',
    });
    expect(target.requests.length - before).toBe(1);
  });

  it('offers HTTP tools to the model with their input schemas', async () => {
    const offer = await externalToolOffer(
      ['get_order_status', 'lookup_customer', 'create_ticket'],
      config.store.get(),
      mcp,
    );
    expect(offer.specs).toEqual([
      { name: 'get_order_status', description: "An order's status and delivery date.", inputSchema: orderInput },
      {
        name: 'create_ticket',
        description: 'Opens a support ticket.',
        inputSchema: { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] },
      },
    ]);
    expect(offer.routes).toEqual({
      get_order_status: { kind: 'http', name: 'get_order_status' },
      create_ticket: { kind: 'http', name: 'create_ticket' },
    });
  });
});

describe('HTTP tool configuration', () => {
  function problemsOf(tool: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-config-'));
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ tools: { http: [{ name: 'a_tool', description: 'x', ...tool }] } }));
    try {
      loadConfig({ BELUGA_CONFIG_FILE: file });
      return '';
    } catch (error) {
      return (error as Error).message;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('refuses a URL placeholder that is not an input property, and a schema it cannot check', () => {
    expect(problemsOf({ url: 'https://crm.example/orders/{{orderID}}', input: orderInput })).toContain(
      'tools.http[0].url: {{orderID}} is not a property of its input',
    );
    expect(
      problemsOf({
        url: 'https://crm.example/x',
        input: { type: 'object', properties: { a: { type: 'string' } }, if: { required: ['a'] }, then: {} },
      }),
    ).toContain('tools.http[0].input: Conditional schemas (if/then/else) are not supported');
    expect(problemsOf({ url: 'https://crm.example/orders/{{orderId}}', input: orderInput })).toBe('');
  });
});
