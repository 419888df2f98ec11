import { startTestSystem, type TestSystem } from '../harness/system';

const CONVERSATION_CREATES = { method: 'POST', path: /\/v1\/Conversations$/ };

const prefix = `+1631${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

/**
 * An operator's retried request acts once, and a call whose answer Twilio lost is placed once
 * (replies through a flaky Twilio: test/faults/twilio-flaky-sends.test.ts). On the real stack: gateway, workflows,
 * emulated Twilio and model.
 */
describe('exactly once', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ TWILIO_SEND_RATE_PER_SECOND: '100' });
  });

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(() => system.twilio.faults.clear());

  it('POST /api/calls with an Idempotency-Key: the same request places one call and answers the same; another body is refused', async () => {
    const to = uniquePhone();
    const key = `call-${to.slice(1)}`;
    const first = await system.api('POST', '/calls', { to }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await system.api('POST', '/calls', { to }, { 'idempotency-key': key });
    expect(again).toEqual(first);
    expect(system.twilio.createdCalls({ to })).toHaveLength(1);

    const other = await system.api('POST', '/calls', { to, record: true }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.json.error).toMatch(/already used with a different request/);
    expect(system.twilio.createdCalls({ to })).toHaveLength(1);

    // Without a key, each request is its own call.
    await system.api('POST', '/calls', { to });
    expect(system.twilio.createdCalls({ to })).toHaveLength(2);
    const bad = await system.api('POST', '/calls', { to }, { 'idempotency-key': 'not a key!' });
    expect(bad.status).toBe(400);
  });

  it('POST /api/calls whose answer is lost at Twilio: the retried activity finds the call, one call placed', async () => {
    const to = uniquePhone();
    const lost = system.twilio.faults.failNext(1, 'lose-response', { method: 'POST', path: /\/Calls\.json$/ });
    const placed = await system.api('POST', '/calls', { to }, { 'idempotency-key': `lost-${to.slice(1)}` });
    expect(placed.status).toBe(201);
    expect(lost.fired).toBe(1);
    expect(system.twilio.createdCalls({ to }).map((c) => c.sid)).toEqual([placed.json.callSid]);
  });

  it('POST /api/conversations with an Idempotency-Key: one conversation, the same answer; another body is refused', async () => {
    const before = system.twilio.requestsMatching(CONVERSATION_CREATES).length;
    const key = `conv-${uniquePhone().slice(1)}`;
    const first = await system.api('POST', '/conversations', { friendlyName: 'Order 77' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await system.api('POST', '/conversations', { friendlyName: 'Order 77' }, { 'idempotency-key': key });
    expect(again).toEqual(first);
    const other = await system.api('POST', '/conversations', { friendlyName: 'Order 78' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(system.twilio.requestsMatching(CONVERSATION_CREATES).length - before).toBe(1);
  });
});
