import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { CRM_TOKEN_ENV, ordersAgentConfig, ordersModel, SHOP_KEY_ENV } from '../harness/external-tool-agent';
import { HttpToolTarget } from '../harness/http-tool-target';
import { TestMcpServer } from '../harness/mcp-server';
import { startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

const CRM_TOKEN = 'crm-e2e-token-5b7e';
const SHOP_KEY = 'shop-e2e-key-a3f9';

// The voice loop offers the agent's HTTP and MCP
// tools (the realtime worker's MCP catalogue) and the call workflow runs the model's calls of them
// as `runHttpTool` and `runMcpTool` activities.
describe('external tools on a call', () => {
  const crm = new HttpToolTarget();
  const shop = new TestMcpServer();
  let system: TestSystem;

  beforeAll(async () => {
    process.env[CRM_TOKEN_ENV] = CRM_TOKEN;
    process.env[SHOP_KEY_ENV] = SHOP_KEY;
    const [crmUrl, shopUrl] = await Promise.all([crm.start(), shop.start()]);
    // Slower than the filler delay: the caller hears the filler while the tool runs.
    crm.answer(() => ({ delayMs: 600, body: { status: 'shipped', eta: 'Tuesday' } }));
    system = await startTestSystem({}, { voice: true, configFile: ordersAgentConfig(crmUrl, shopUrl) });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
    await Promise.all([crm.stop(), shop.stop()]);
    delete process.env[CRM_TOKEN_ENV];
    delete process.env[SHOP_KEY_ENV];
  });

  it('the model calls an HTTP tool and an MCP tool, and the spoken reply uses their results', async () => {
    system.anthropic.setResponder(ordersModel);
    system.stt.script(['Order A17 is late, can you open a ticket?']);
    const { caller, callSid } = await connectCall(system, { remote: '+14155559602' });
    await agentTurn(system, callSid, 0);
    await caller.say({ durationMs: 1100, seed: 81 });
    const reply = await agentTurn(system, callSid, 1, 30_000);
    expect(reply.text).toContain('Let me check.');
    expect(reply.text).toContain('shipped');
    expect(reply.text).toContain('Ticket 1 opened.');

    const offered = system.anthropic.requests.find((r) => r.tools?.length)?.tools ?? [];
    expect(offered.map((t) => t.name)).toEqual(expect.arrayContaining(['get_order_status', 'shop__create_ticket']));
    expect(crm.requests).toHaveLength(1);
    expect(crm.requests[0]!.headers.authorization).toBe(`Bearer ${CRM_TOKEN}`);
    expect(shop.tickets).toEqual(['Order A17 is late']);
    expect(shop.calls.find((c) => c.tool === 'create_ticket')!.headers['x-api-key']).toBe(SHOP_KEY);

    await caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    const handle = system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid));
    await handle.result();
    const activityTypes = ((await handle.fetchHistory()).events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activityTypes).toEqual(expect.arrayContaining(['runHttpTool', 'runMcpTool']));
  });
});
