import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import { IdentityStore } from '../../src/customers/identity-store';
import { MessageStore } from '../../src/memory/message-store';
import { TEST_ACCOUNT_SID, eventually, inboundSms, startTestSystem, type TestSystem } from '../harness/system';

const SMS_SENDS = { method: 'POST', path: /\/Messages\.json$/ };

const prefix = `+1632${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

/**
 * Replies go out once however Twilio fails: throttled, down, or accepting a send and losing the
 * answer. Heavy (100 replies through minutes of retries), so it runs with the fault tests, alone,
 * on the in-process stack (jest.faults.config.js starts the shared Temporal and FerretDB for it).
 */
describe('replies through a flaky Twilio', () => {
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
    // Named, so a failure shows which reply went out twice.
    expect(replies.filter((r, i) => replies.indexOf(r) !== i)).toEqual([]);
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
});
