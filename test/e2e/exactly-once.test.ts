import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import { IdentityStore } from '../../src/customers/identity-store';
import { MessageStore } from '../../src/memory/message-store';
import { TEST_ACCOUNT_SID, eventually, inboundSms, startTestSystem, type TestSystem } from '../harness/system';

const SMS_SENDS = { method: 'POST', path: /\/Messages\.json$/ };
const CONVERSATION_CREATES = { method: 'POST', path: /\/v1\/Conversations$/ };

const prefix = `+1631${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

/**
 * Side effects happen once however Twilio fails: throttled, down, or accepting a send and losing
 * the answer; and an operator's retried request acts once. On the real stack: gateway, workflows,
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

  /** What the carrier network does: a `sent` status callback to the URL each message was sent with. */
  function carrier(): { stop(): void; calledBack: () => number } {
    const done = new Set<string>();
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        for (const message of system.twilio.sentMessages()) {
          if (done.has(message.sid) || !message.statusCallback) continue;
          done.add(message.sid);
          const url = new URL(message.statusCallback);
          await system.webhook(`${url.pathname}${url.search}`, {
            MessageSid: message.sid,
            AccountSid: TEST_ACCOUNT_SID,
            MessageStatus: 'sent',
            To: message.to,
            From: message.from ?? '',
          });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const running = loop();
    return {
      stop: () => {
        stopped = true;
        void running;
      },
      calledBack: () => done.size,
    };
  }

  it('100 replies with Twilio failing 30% of sends (429/503) and losing 5% of answers: 100 delivered, none twice', async () => {
    system.anthropic.setResponder((request) => textReply(`Re: ${lastUserText(request)}`));
    system.twilio.faults.reseed(14);
    const throttled = system.twilio.faults.failWithProbability(0.15, 'rate-limit', SMS_SENDS);
    const down = system.twilio.faults.failWithProbability(0.18, 'service-unavailable', SMS_SENDS);
    // Of what the two rules above let through (about 70%): about 5% of all sends.
    const lost = system.twilio.faults.failWithProbability(0.07, 'lose-response', SMS_SENDS);
    const network = carrier();
    const customers = Array.from({ length: 20 }, () => uniquePhone());
    const asked = customers.flatMap((from) =>
      Array.from({ length: 5 }, (_, n) => ({ from, body: `question ${n} from ${from}` })),
    );
    try {
      // Each customer's messages in order, the customers at once.
      await Promise.all(
        customers.map(async (from) => {
          for (const { body } of asked.filter((a) => a.from === from)) {
            const answered = await system.webhook('/twilio/messaging/inbound', inboundSms(from, body));
            expect(answered.status).toBe(200);
          }
        }),
      );
      await eventually(
        'a reply to every message',
        () => customers.every((to) => system.twilio.sentMessages({ to }).length >= 5),
        120_000,
      );
      // Let retries still in flight land: a duplicate would show up now.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      network.stop();
    }
    expect(throttled.fired + down.fired).toBeGreaterThan(15);
    expect(lost.fired).toBeGreaterThan(0);
    const replies = customers.flatMap((to) => system.twilio.sentMessages({ to }).map((m) => `${m.to}|${m.body}`));
    expect(replies).toHaveLength(100);
    expect(new Set(replies).size).toBe(100);
    expect(new Set(replies)).toEqual(new Set(asked.map((a) => `${a.from}|Re: ${a.body}`)));
    // Every reply is recorded with the sid Twilio gave it, whether its answer arrived, was found or was called back.
    const identities = new IdentityStore(system.db);
    const messages = new MessageStore(system.db);
    for (const to of customers) {
      const history = await messages.recent(await identities.resolve(TEST_ACCOUNT_SID, to), 20);
      const outbound = history.filter((m) => m.direction === 'outbound');
      expect(outbound.map((m) => m.twilioSid).sort()).toEqual(
        system.twilio
          .sentMessages({ to })
          .map((m) => m.sid)
          .sort(),
      );
    }
  }, 180_000);

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
