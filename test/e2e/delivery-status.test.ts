import { DeliveryStatusStore } from '../../src/messaging/delivery-status';
import { EventLog } from '../../src/events/event-log';
import { messageStatusWorkflowId } from '../../workflows/message-status/contract';
import {
  eventually,
  inboundSms,
  startTestSystem,
  TEST_ACCOUNT_SID,
  AGENT_NUMBER,
  type TestSystem,
} from '../harness/system';

describe('message delivery status callbacks', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function sendReplyTo(from: string): Promise<string> {
    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'hello'));
    const [reply] = await eventually('reply', () => {
      const sent = system.twilio.sentMessages({ to: from });
      return sent.length > 0 && sent;
    });
    return reply!.sid;
  }

  async function callback(sid: string, to: string, status: string, extra: Record<string, string> = {}) {
    const response = await system.webhook('/twilio/messaging/status', {
      MessageSid: sid,
      SmsSid: sid,
      AccountSid: TEST_ACCOUNT_SID,
      MessageStatus: status,
      SmsStatus: status,
      To: to,
      From: AGENT_NUMBER,
      ApiVersion: '2010-04-01',
      ...extra,
    });
    expect(response.status).toBe(204);
    await system.temporal.workflow.getHandle(messageStatusWorkflowId({ messageSid: sid, status })).result();
  }

  it('only moves forward when callbacks arrive out of order', async () => {
    const to = '+14155558101';
    const sid = await sendReplyTo(to);
    const store = new DeliveryStatusStore(system.db);
    await callback(sid, to, 'delivered');
    await callback(sid, to, 'sent');
    expect((await store.get(sid))!.status).toBe('delivered');
    await callback(sid, to, 'read');
    const final = (await store.get(sid))!;
    expect(final.status).toBe('read');
    expect(final.history.map((h) => h.status)).toEqual(['delivered', 'sent', 'read']);
    const { json: found } = await system.api('GET', `/customers/by-address/${encodeURIComponent(to)}`);
    const { json } = await system.api('GET', `/customers/${String(found.customerId)}/messages`);
    const outbound = (json.messages as Array<{ twilioSid?: string; status: string }>).find((m) => m.twilioSid === sid);
    expect(outbound?.status).toBe('read');
  });

  it('keeps the furthest status when callbacks for one message arrive at the same moment', async () => {
    const to = '+14155558103';
    const sid = await sendReplyTo(to);
    await Promise.all(['queued', 'sent', 'delivered', 'read', 'sending'].map((status) => callback(sid, to, status)));
    const final = (await new DeliveryStatusStore(system.db).get(sid))!;
    expect(final.status).toBe('read');
    expect(final.history.map((h) => h.status).sort()).toEqual(['delivered', 'queued', 'read', 'sending', 'sent']);
  });

  it('records a WhatsApp 63016 failure with its code and emits message.failed once, even when redelivered', async () => {
    const to = 'whatsapp:+14155558102';
    const sid = await sendReplyTo(to);
    await callback(sid, to, 'failed', {
      ErrorCode: '63016',
      ErrorMessage: 'Failed to send freeform message because you are outside the allowed window.',
    });
    const redelivered = await system.webhook('/twilio/messaging/status', {
      MessageSid: sid,
      AccountSid: TEST_ACCOUNT_SID,
      MessageStatus: 'failed',
      ErrorCode: '63016',
      To: to,
    });
    expect(redelivered.status).toBe(204);
    const status = (await new DeliveryStatusStore(system.db).get(sid))!;
    expect(status).toMatchObject({ status: 'failed', errorCode: 63016 });
    expect(status.history).toHaveLength(1);
    const failures = (await new EventLog(system.db).list({ type: 'message.failed' })).filter(
      (e) => e.data.messageSid === sid,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]!.data).toMatchObject({ status: 'failed', errorCode: 63016 });
  });

  it('answers 400 to a callback without a status, and 403 unsigned', async () => {
    const bad = await system.webhook('/twilio/messaging/status', {
      MessageSid: 'SM' + '0'.repeat(32),
      AccountSid: TEST_ACCOUNT_SID,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('MessageStatus');
    const unsigned = await fetch(`${system.gatewayUrl}/twilio/messaging/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `MessageSid=SM${'0'.repeat(32)}&AccountSid=${TEST_ACCOUNT_SID}&MessageStatus=sent`,
    });
    expect(unsigned.status).toBe(403);
  });
});
