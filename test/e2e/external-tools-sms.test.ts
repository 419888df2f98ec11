import { IdentityStore } from '../../src/customers/identity-store';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { CRM_TOKEN_ENV, ordersAgentConfig, ordersModel, SHOP_KEY_ENV } from '../harness/external-tool-agent';
import { HttpToolTarget } from '../harness/http-tool-target';
import { TestMcpServer } from '../harness/mcp-server';
import { eventually, inboundSms, startTestSystem, TEST_ACCOUNT_SID, type TestSystem } from '../harness/system';

const CRM_TOKEN = 'crm-e2e-token-91c2';
const SHOP_KEY = 'shop-e2e-key-4d0a';

// The messaging workflow offers the agent's HTTP
// and MCP tools (`externalToolOffer`, inside `generateReply`) and runs the model's calls of them as `runHttpTool`
// and `runMcpTool` activities.
describe('external tools in an SMS conversation', () => {
  const crm = new HttpToolTarget();
  const shop = new TestMcpServer();
  let system: TestSystem;

  beforeAll(async () => {
    process.env[CRM_TOKEN_ENV] = CRM_TOKEN;
    process.env[SHOP_KEY_ENV] = SHOP_KEY;
    const [crmUrl, shopUrl] = await Promise.all([crm.start(), shop.start()]);
    crm.answer((request) =>
      request.url === '/orders/A17'
        ? { body: { status: 'shipped', eta: 'Tuesday', warehouse: 'internal detail' } }
        : { status: 404, body: { error: 'no such order' } },
    );
    system = await startTestSystem({}, { configFile: ordersAgentConfig(crmUrl, shopUrl) });
  });

  afterAll(async () => {
    await system?.stop();
    await Promise.all([crm.stop(), shop.stop()]);
    delete process.env[CRM_TOKEN_ENV];
    delete process.env[SHOP_KEY_ENV];
  });

  it('the model calls an HTTP tool and an MCP tool, and the reply uses their results', async () => {
    const from = '+14155559601';
    system.anthropic.setResponder(ordersModel);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Order A17 is late, can you open a ticket?'));
    const [reply] = await eventually(
      'the reply',
      () => {
        const sent = system.twilio.sentMessages({ to: from });
        return sent.length > 0 && sent;
      },
      30_000,
    );
    expect(reply!.body).toContain('shipped');
    expect(reply!.body).toContain('Tuesday');
    expect(reply!.body).not.toContain('internal detail');
    expect(reply!.body).toContain('Ticket 1 opened.');

    // The model was offered exactly the agent's external tools, with their schemas.
    const offered = system.anthropic.requests[0]!.tools ?? [];
    expect(offered.find((t) => t.name === 'get_order_status')?.input_schema).toMatchObject({
      properties: { orderId: { type: 'string' } },
      required: ['orderId'],
    });
    expect(offered.find((t) => t.name === 'shop__create_ticket')?.input_schema).toMatchObject({
      properties: { subject: { type: 'string' } },
    });
    expect(offered.map((t) => t.name)).not.toContain('shop__slow_tool');

    // Each tool ran once at its server, with the configured secret header and an idempotency key.
    expect(crm.requests).toHaveLength(1);
    expect(crm.requests[0]!.headers.authorization).toBe(`Bearer ${CRM_TOKEN}`);
    const crmKey = String(crm.requests[0]!.headers['idempotency-key']);
    // The same for every attempt of this tool call: the message answered and the model's tool-use id.
    expect(crmKey).toMatch(/^http:SM[0-9a-f]{32}:toolu_\w+$/);
    expect(shop.tickets).toEqual(['Order A17 is late']);
    const ticketCall = shop.calls.find((c) => c.tool === 'create_ticket')!;
    expect(ticketCall.headers['x-api-key']).toBe(SHOP_KEY);
    expect(ticketCall.meta?.['beluga/idempotency-key']).toEqual(expect.any(String));

    // Both calls are in the conversation's Temporal history, with their inputs.
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const history = await system.temporal.workflow.getHandle(customerWorkflowId(customerId)).fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      const data = a?.input?.payloads?.[0]?.data;
      return a && data
        ? [{ type: a.activityType?.name, input: JSON.parse(Buffer.from(data).toString('utf8')) as unknown }]
        : [];
    });
    expect(scheduled).toEqual(
      expect.arrayContaining([
        {
          type: 'runHttpTool',
          input: expect.objectContaining({
            name: 'get_order_status',
            input: { orderId: 'A17' },
            context: expect.objectContaining({
              accountSid: TEST_ACCOUNT_SID,
              customerId,
              messageSid: crmKey.split(':')[1],
            }) as unknown,
          }) as unknown,
        },
        {
          type: 'runMcpTool',
          input: expect.objectContaining({
            server: 'shop',
            tool: 'create_ticket',
            input: { subject: 'Order A17 is late' },
          }) as unknown,
        },
      ]),
    );
    // The secrets stay in the environment: no activity input carries them.
    expect(JSON.stringify(scheduled)).not.toContain(CRM_TOKEN);
    expect(JSON.stringify(scheduled)).not.toContain(SHOP_KEY);
  });
});
