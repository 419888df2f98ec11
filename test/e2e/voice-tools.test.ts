import {
  conversationText,
  lastUserText,
  textReply,
  toolUseReply,
  type RecordedRequest,
} from '../../devstack/emulators/anthropic';
import { IdentityStore } from '../../src/customers/identity-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { FOLLOW_UP_WORKFLOW } from '../../workflows/follow-up/contract';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall, type LiveCall } from '../harness/voice';

const prefix = `+1630${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

const offeredTools = (request: RecordedRequest) => (request.tools ?? []).map((t) => t.name);

/**
 * The tools a call gets from the one catalogue: the customer lookup (for a verified caller only),
 * a follow-up texted to the caller later; the model is offered the tools of the call's agent.
 */
describe('tools on a call', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({}, { voice: true });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function hangUp(call: LiveCall): Promise<void> {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
  }

  function scriptLookup(): void {
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      // After the lookup the last user message is its result (which may quote the caller's question).
      if (/order 7781/.test(said)) return textReply('I see your texts about order 7781.');
      if (/not confirmed/.test(said)) return textReply('I need to verify you first.');
      if (/on file for me/.test(said)) return toolUseReply('lookup_customer', {}, { text: 'Let me see.' });
      return textReply('Okay.');
    });
  }

  it('looks a verified caller up, with the tools of their agent on offer', async () => {
    const remote = uniquePhone();
    scriptLookup();
    await system.webhook('/twilio/messaging/inbound', inboundSms(remote, 'Any news on order 7781?'));
    await eventually('the SMS reply', () => system.twilio.sentMessages({ to: remote })[0]);
    system.stt.script(['What do you have on file for me?']);
    const before = system.anthropic.requests.length;
    const call = await connectCall(system, { remote, stirVerstat: 'TN-Validation-Passed-A' });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 401 });
    expect((await agentTurn(system, call.callSid, 1)).text).toMatch(
      /^Let me see\. .*I see your texts about order 7781\.$/,
    );
    const [asked, answered] = system.anthropic.requests.slice(before);
    expect(offeredTools(asked!)).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'transfer_call',
      'end_call',
    ]);
    expect(lastUserText(answered!)).toContain(`phone:${remote}`);
    await hangUp(call);
  });

  it('tells the model nothing about the customer when the caller is not verified, and offers verification', async () => {
    const remote = uniquePhone();
    scriptLookup();
    await system.webhook('/twilio/messaging/inbound', inboundSms(remote, 'Any news on order 7781?'));
    await eventually('the SMS reply', () => system.twilio.sentMessages({ to: remote })[0]);
    system.stt.script(['What do you have on file for me?']);
    const before = system.anthropic.requests.length;
    const call = await connectCall(system, { remote, stirVerstat: 'TN-Validation-Passed-C' });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 402 });
    expect((await agentTurn(system, call.callSid, 1)).text).toMatch(/I need to verify you first\.$/);
    const requests = system.anthropic.requests.slice(before);
    expect(offeredTools(requests[0]!)).toEqual([
      'lookup_customer',
      'send_sms',
      'schedule_follow_up',
      'transfer_call',
      'end_call',
      'send_verification_code',
      'check_verification_code',
    ]);
    for (const request of requests) expect(conversationText(request)).not.toContain('7781');
    await hangUp(call);
  });

  it("schedules a follow-up from a call: a durable timer texts the caller's number later", async () => {
    const remote = uniquePhone();
    const REMINDER = 'Reminder: your appointment is tomorrow at 9.';
    system.stt.script(['Can you remind me by text about my appointment?']);
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/remind me by text/.test(said))
        return toolUseReply('schedule_follow_up', { delayMinutes: 0.03, message: REMINDER }, { text: 'Sure.' });
      if (/Follow-up scheduled/.test(said)) return textReply('I will text you a reminder.');
      return textReply('Okay.');
    });
    const call = await connectCall(system, { remote });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 403 });
    expect((await agentTurn(system, call.callSid, 1)).text).toMatch(/I will text you a reminder\.$/);
    await hangUp(call);
    // The follow-up outlives the call.
    const reminder = await eventually(
      'the reminder',
      () => system.twilio.sentMessages({ to: remote }).find((m) => m.body === REMINDER),
      30_000,
    );
    expect(reminder.from).toBe(AGENT_NUMBER);
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, remote);
    const followUps = [];
    for await (const w of system.temporal.workflow.list({
      query: `WorkflowType = "${FOLLOW_UP_WORKFLOW}" AND WorkflowId STARTS_WITH "followup-${customerId}"`,
    }))
      followUps.push(w);
    expect(followUps).toHaveLength(1);
  });
});
