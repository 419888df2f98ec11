import { MockActivityEnvironment } from '@temporalio/testing';
import { EventLog } from '../../src/events/event-log';
import { lastUserText, rulesResponder, toolUseReply } from '../../devstack/emulators/anthropic';
import { platformActivitiesOf } from '../harness/platform-activities';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const phonePrefix = `+1415${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: every test gets its own numbers. */
function uniquePhone(): string {
  return `${phonePrefix}${String(++phoneCounter).padStart(4, '0')}`;
}

// STOP stops every kind of outbound message and call to that address on that account until START;
// Twilio's 21610 marks it too; the operator API shows the state and its history.
describe('consent (STOP / START)', () => {
  let system: TestSystem;
  let events: EventLog;

  beforeAll(async () => {
    system = await startTestSystem();
    events = new EventLog(system.db);
    system.anthropic.setResponder(rulesResponder([{ when: /./, reply: 'Happy to help.' }]));
  });
  afterAll(async () => {
    await system?.stop();
  });

  const platform = () => platformActivitiesOf(system);

  function inActivity<R>(fn: () => Promise<R>): Promise<R> {
    return new MockActivityEnvironment({ attempt: 1 }).run<[], R, () => Promise<R>>(fn);
  }

  const refusals = async (to: string) =>
    (await events.list({ type: 'consent.send_refused' }, 1000)).filter((e) => (e.data as { to?: string }).to === to);

  async function consentOf(address: string) {
    const response = await system.api('GET', `/consent/${encodeURIComponent(address)}?accountSid=${TEST_ACCOUNT_SID}`);
    expect(response.status).toBe(200);
    return response.json as { optedOut: boolean; history: Array<{ action: string; source: string }> };
  }

  it('STOP is stored and not answered; every send and call is refused until START', async () => {
    const from = uniquePhone();
    const stop = inboundSms(from, ' stop ');
    expect((await system.webhook('/twilio/messaging/inbound', stop)).status).toBe(200);
    await eventually('opt-out stored', async () => (await consentOf(from)).optedOut);
    expect((await consentOf(from)).history).toEqual([
      expect.objectContaining({ action: 'opt_out', source: stop.MessageSid }),
    ]);
    const [optedOut] = await events
      .list({ type: 'consent.opted_out' }, 1000)
      .then((all) => all.filter((e) => e.id === `consent.opted_out:${String(stop.MessageSid)}`));
    expect(optedOut?.data).toMatchObject({ address: from, via: 'STOP', messageSid: stop.MessageSid });

    // Writing again does not opt back in: the agent's reply is refused at send, nothing reaches them.
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'hello, anyone there?'));
    await eventually('reply refused', async () => (await refusals(from)).length > 0);
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(0);
    expect((await refusals(from))[0]!.data).toMatchObject({ kind: 'message', reason: 'opted_out' });

    // A user workflow's text and call are refused the same way, non-retryable.
    const acts = platform();
    await expect(inActivity(() => acts.sendText({ to: from, body: 'Our sale starts today!' }))).rejects.toMatchObject({
      type: 'OptedOut',
      nonRetryable: true,
    });
    await expect(inActivity(() => acts.placeCall({ to: from }))).rejects.toMatchObject({
      type: 'OptedOut',
      nonRetryable: true,
    });
    // The operator's outbound call: a clear 4xx, and no call reaches Twilio.
    const placed = await system.api('POST', '/calls', { to: from });
    expect(placed.status).toBe(409);
    expect(String(placed.json.error)).toMatch(/opted out/);
    expect(system.twilio.createdCalls({ to: from })).toHaveLength(0);
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(0);
    expect((await refusals(from)).map((e) => (e.data as { kind: string }).kind).sort()).toEqual([
      'call',
      'call',
      'message',
      'message',
    ]);

    // START opts back in, is not answered by the model either; the next message is answered again.
    const start = inboundSms(from, 'START');
    await system.webhook('/twilio/messaging/inbound', start);
    await eventually('opt-in stored', async () => !(await consentOf(from)).optedOut);
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'what are your opening hours?'));
    const [reply] = await eventually('answered again', () => {
      const sent = system.twilio.sentMessages({ to: from });
      return sent.length > 0 && sent;
    });
    expect(reply!.body).toBe('Happy to help.');
    expect(system.twilio.sentMessages({ to: from })).toHaveLength(1);
    expect((await consentOf(from)).history.map((f) => f.action)).toEqual(['opt_out', 'opt_in']);
  });

  it('a follow-up the agent scheduled before STOP is refused when it falls due', async () => {
    const from = uniquePhone();
    system.anthropic.setResponder((request) => {
      const last = request.messages.at(-1);
      const firstRound = typeof last?.content === 'string' || !last?.content.some((b) => b.type === 'tool_result');
      return firstRound && JSON.stringify(last).includes('Remind me')
        ? toolUseReply('schedule_follow_up', { delayMinutes: 0.1, message: 'Reminder: your appointment is tomorrow.' })
        : { blocks: [{ type: 'text', text: 'I will remind you.' }] };
    });
    try {
      await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'Remind me about my appointment'));
      await eventually('reply sent', () => system.twilio.sentMessages({ to: from }).length > 0);
      await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'STOP'));
      await eventually('opt-out stored', async () => (await consentOf(from)).optedOut);
      await eventually('follow-up refused', async () => (await refusals(from)).length > 0, 30_000);
      expect(system.twilio.sentMessages({ to: from }).map((m) => m.body)).toEqual(['I will remind you.']);
    } finally {
      system.anthropic.setResponder(rulesResponder([{ when: /./, reply: 'Happy to help.' }]));
    }
  });

  it("Twilio's 21610 (unsubscribed recipient) marks the address opted out", async () => {
    const to = uniquePhone();
    system.twilio.unsubscribe(to);
    const acts = platform();
    await expect(inActivity(() => acts.sendText({ to, body: 'Your order shipped.' }))).rejects.toMatchObject({
      type: 'Twilio21610',
      nonRetryable: true,
    });
    const state = await consentOf(to);
    expect(state.optedOut).toBe(true);
    expect(state.history.map((f) => f.action)).toEqual(['opt_out']);
    expect(state.history[0]!.source).toMatch(/^twilio21610:/);
    const marked = (await events.list({ type: 'consent.opted_out' }, 1000)).filter(
      (e) => (e.data as { address?: string }).address === to,
    );
    expect(marked.map((e) => e.data)).toEqual([expect.objectContaining({ via: 'twilio:21610' })]);
    // From now on we refuse before asking Twilio.
    await expect(inActivity(() => acts.sendText({ to, body: 'Still there?' }))).rejects.toMatchObject({
      type: 'OptedOut',
    });
  });

  it('a WhatsApp STOP opts the number out on SMS too, survives a restart of gateway and orchestrator; HELP is not answered', async () => {
    const phone = uniquePhone();
    const whatsapp = `whatsapp:${phone}`;
    const agentWhatsapp = `whatsapp:${AGENT_NUMBER}`;
    const help = inboundSms(whatsapp, 'help', { To: agentWhatsapp });
    await system.webhook('/twilio/messaging/inbound', help);
    await system.webhook('/twilio/messaging/inbound', inboundSms(whatsapp, 'STOP', { To: agentWhatsapp }));
    await eventually('opt-out stored', async () => (await consentOf(phone)).optedOut);
    // HELP changes nothing and is not answered by the model (Twilio answers keywords on numbers).
    expect((await consentOf(whatsapp)).history.map((f) => f.action)).toEqual(['opt_out']);
    expect(system.anthropic.requests.filter((r) => lastUserText(r) === 'help')).toEqual([]);

    await system.stopGateway();
    await system.stopWorker();
    await system.startWorker();
    await system.startGateway();

    expect(await consentOf(phone)).toMatchObject({ optedOut: true });
    const acts = platform();
    for (const [to, from] of [
      [phone, AGENT_NUMBER],
      [whatsapp, agentWhatsapp],
    ] as const)
      await expect(inActivity(() => acts.sendText({ to, from, body: 'Our sale starts today!' }))).rejects.toMatchObject(
        {
          type: 'OptedOut',
          nonRetryable: true,
        },
      );
    await system.webhook('/twilio/messaging/inbound', inboundSms(whatsapp, 'Is anyone there?', { To: agentWhatsapp }));
    await eventually('reply refused', async () => (await refusals(whatsapp)).length > 0);
    expect(system.twilio.sentMessages({ to: phone })).toEqual([]);
    expect(system.twilio.sentMessages({ to: whatsapp })).toEqual([]);
  });

  it('keeps consent per account: an address that never opted out is not opted out', async () => {
    const state = await consentOf(uniquePhone());
    expect(state).toMatchObject({ optedOut: false, history: [] });
  });
});
