import { eventually, inboundSms, startTestSystem, AGENT_NUMBER, type TestSystem } from '../harness/system';
import { rulesResponder, lastUserText } from '../../devstack/emulators/anthropic';

// The messaging agent's promises, end to end on the real stack: context across turns, restarts and
// channels; strict ordering under bursts; exactly one reply per message when Twilio throttles.
describe('messaging agent', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });
  afterEach(() => {
    system.anthropic.setResponder(undefined);
    system.twilio.faults.clear();
  });

  const repliesTo = (to: string) => system.twilio.sentMessages({ to }).map((m) => m.body);
  const requestsContaining = (text: string) =>
    system.anthropic.requests.filter((r) => JSON.stringify(r.messages).includes(text));

  async function text(from: string, body: string, expectedReplies: number, extra = {}) {
    const response = await system.webhook('/twilio/messaging/inbound', inboundSms(from, body, extra));
    expect(response.status).toBe(200);
    await eventually(
      `reply ${expectedReplies} to ${from}`,
      () => system.twilio.sentMessages({ to: from }).length >= expectedReplies,
      30_000,
    );
  }

  it('remembers an earlier message after the worker and gateway processes are restarted', async () => {
    const from = '+14155559201';
    system.anthropic.setResponder(rulesResponder([{ when: /order number/i, reply: 'Got it, order 4417.' }]));
    await text(from, 'My order number is 4417', 1);
    await system.stopGateway();
    await system.stopWorker();
    await system.startWorker();
    await system.startGateway();
    await text(from, 'Which order did I mention?', 2);
    const request = requestsContaining('Which order did I mention?').at(-1)!;
    expect(JSON.stringify(request.messages)).toContain('My order number is 4417');
    expect(JSON.stringify(request.messages)).toContain('Got it, order 4417.');
  });

  it('carries SMS context into a WhatsApp turn from the same number, and answers on WhatsApp', async () => {
    const number = '+14155559202';
    await text(number, 'SMS: my dog is called Biscuit', 1);
    const response = await system.webhook(
      '/twilio/messaging/inbound',
      inboundSms(`whatsapp:${number}`, 'WhatsApp: what is my dog called?', {
        To: `whatsapp:${AGENT_NUMBER}`,
        ProfileName: 'Sam',
        WaId: number.slice(1),
      }),
    );
    expect(response.status).toBe(200);
    const [reply] = await eventually('whatsapp reply', () => {
      const sent = system.twilio.sentMessages({ to: `whatsapp:${number}` });
      return sent.length > 0 && sent;
    });
    expect(reply!.from).toBe(`whatsapp:${AGENT_NUMBER}`);
    const request = requestsContaining('WhatsApp: what is my dog called?').at(-1)!;
    expect(JSON.stringify(request.messages)).toContain('SMS: my dog is called Biscuit');
  });

  it('treats an address linked by an operator as the same customer', async () => {
    const home = '+14155559205';
    const work = '+14155559206';
    await text(home, 'Home phone here: my account PIN hint is "blue heron"', 1);
    const { json: found } = await system.api('GET', `/customers/by-address/${encodeURIComponent(home)}`);
    const customerId = found.customerId as string;
    expect((await system.api('POST', `/customers/${customerId}/addresses`, { address: work })).status).toBe(201);
    expect((await system.api('POST', `/customers/${customerId}/addresses`, { address: work })).status).toBe(200);
    const other = await system.api('POST', `/customers/${customerId}/addresses`, { address: '+14155559201' });
    expect(other.status).toBe(409);
    await text(work, 'Texting from work: what was my PIN hint?', 1);
    const request = requestsContaining('Texting from work').at(-1)!;
    expect(JSON.stringify(request.messages)).toContain('blue heron');
    const profile = await system.api('GET', `/customers/${customerId}`);
    expect(profile.json.addresses).toEqual(['phone:+14155559205', 'phone:+14155559206']);
    const unauthorized = await fetch(`${system.gatewayUrl}/api/customers/${customerId}`);
    expect(unauthorized.status).toBe(401);
    const bad = await system.api('POST', `/customers/${customerId}/addresses`, { nope: 1 });
    expect(bad.status).toBe(400);
  });

  it('answers five messages sent in a burst strictly in order', async () => {
    const from = '+14155559203';
    system.anthropic.setResponder((request) => ({
      blocks: [{ type: 'text', text: `answer to ${lastUserText(request).split('\n').at(-1)}` }],
    }));
    const bodies = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const body of bodies)
      expect((await system.webhook('/twilio/messaging/inbound', inboundSms(from, body))).status).toBe(200);
    await eventually('five replies', () => repliesTo(from).length === 5, 30_000);
    expect(repliesTo(from)).toEqual(bodies.map((b) => `answer to ${b}`));
    // Each model request saw every earlier message in order, and only those.
    const ours = system.anthropic.requests.filter((r) => bodies.includes(lastUserText(r)));
    expect(ours.map((r) => r.messages.filter((m) => m.role === 'user').map((m) => m.content))).toEqual(
      bodies.map((_, i) => bodies.slice(0, i + 1)),
    );
  }, 60_000);

  it('delivers every reply exactly once when 30% of Twilio sends fail with 429 or 5xx or dropped connections', async () => {
    const from = '+14155559204';
    const route = { method: 'POST', path: '/api/2010-04-01/Accounts/*/Messages.json' };
    system.twilio.faults.reseed(7);
    system.twilio.faults.failWithProbability(0.1, 'rate-limit', route);
    system.twilio.faults.failWithProbability(0.1 / 0.9, 'server-error', route);
    system.twilio.faults.failWithProbability(0.1 / 0.8, 'drop-connection', route);
    system.anthropic.setResponder((request) => ({
      blocks: [{ type: 'text', text: `re: ${lastUserText(request).split('\n').at(-1)}` }],
    }));
    const bodies = Array.from({ length: 10 }, (_, i) => `question ${i + 1}`);
    for (const body of bodies) await system.webhook('/twilio/messaging/inbound', inboundSms(from, body));
    await eventually('ten replies', () => repliesTo(from).length >= 10, 90_000);
    const failed = system.twilio.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/Messages.json') && r.fault !== undefined,
    );
    expect(failed.length).toBeGreaterThan(0);
    expect(repliesTo(from)).toEqual(bodies.map((b) => `re: ${b}`));
  }, 120_000);
});
