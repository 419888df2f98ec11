/**
 * An agent whose model is a self-hosted, OpenAI-compatible endpoint (as Ollama serves llama3.1), on the real stack:
 * an SMS exchange with a tool call, and a phone call whose reply streams in deltas with a tool call split across
 * them. The endpoint is the Chat Completions emulator; the Anthropic emulator must never be asked.
 */
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { textReply, toolCallReply, toolResults, type RecordedRequest } from '../../devstack/emulators/openai';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

const MODEL = 'llama3.1';

describe('an agent on an OpenAI-compatible endpoint', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(
      {},
      {
        voice: true,
        configFile: ({ openaiUrl }) => ({
          agents: [
            {
              id: 'default',
              name: 'Llama desk',
              instructions: 'You are the front desk of Beluga Dental.',
              model: { provider: 'openai-compatible', name: MODEL, baseUrl: openaiUrl, temperature: 0.3 },
            },
          ],
        }),
      },
    );
    system.tts.setTiming({ msPerChar: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  afterEach(() => {
    // Nothing reached Anthropic, although its key is configured: the agent's model is the endpoint.
    expect(system.anthropic.requests).toHaveLength(0);
    system.openai.reset();
  });

  it('answers an SMS after looking the customer up with a tool', async () => {
    const from = '+14155559701';
    system.openai.setResponder((request) => {
      const results = toolResults(request);
      return results.length === 0
        ? toolCallReply('lookup_customer', { recentMessages: 5 }, { text: 'Let me check.' })
        : textReply(`Here is what I have: ${results[0]}`);
    });

    await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'What do you know about me?'));

    const reply = await eventually('the reply', () => system.twilio.sentMessages({ to: from })[0], 30_000);
    expect(reply.from).toBe(AGENT_NUMBER);
    expect(reply.body).toMatch(/^Here is what I have: /);
    expect(reply.body).toContain(`phone:${from}`);
    const [first, second] = system.openai.requests;
    expect(system.openai.requests).toHaveLength(2);
    expect(first).toMatchObject({ model: MODEL, temperature: 0.3, stream: false, outcome: 'completed' });
    expect(first!.tools!.map((t) => t.function.name)).toEqual(expect.arrayContaining(['lookup_customer']));
    // The second round carries the call and its answer the way the API wants them.
    const call = second!.messages.find((m) => m.role === 'assistant' && m.tool_calls)!;
    expect(call.tool_calls![0]!.function).toEqual({ name: 'lookup_customer', arguments: '{"recentMessages":5}' });
    const answer = second!.messages.find((m) => m.role === 'tool')!;
    expect(answer.tool_call_id).toBe(call.tool_calls![0]!.id);
    // The tool ran as a durable activity of the customer's workflow.
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const history = await system.temporal.workflow.getHandle(customerWorkflowId(customerId)).fetchHistory();
    const activities = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(activities).toContain('tool_lookup_customer');
  });

  it('holds a call: the reply streams in deltas, a tool call split across chunks texts the caller', async () => {
    const remote = '+14155559702';
    // Slow enough that the reply is still being written while its first words are spoken.
    system.openai.setTiming({ ttftMs: 50, tokensPerSecond: 40 });
    system.openai.setResponder((request: RecordedRequest) =>
      toolResults(request).length === 0
        ? toolCallReply('send_sms', { message: 'Beluga Dental is open 9 to 5, Monday to Friday.' }, { text: 'Sure.' })
        : textReply('I have texted you our opening hours.'),
    );
    system.stt.script(['Can you text me your opening hours?']);

    const { caller, callSid } = await connectCall(system, { remote });
    await agentTurn(system, callSid, 0);
    await caller.say({ durationMs: 1200, seed: 7 });
    const turn = await agentTurn(system, callSid, 1);

    expect(turn.text).toMatch(/^Sure\. .*I have texted you our opening hours\.$/);
    expect(system.twilio.sentMessages({ to: remote }).map((m) => [m.from, m.body])).toEqual([
      [AGENT_NUMBER, 'Beluga Dental is open 9 to 5, Monday to Friday.'],
    ]);
    const requests = system.openai.requests;
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      // Streamed, read to the end ([DONE]), with the voice settings: short replies.
      expect(request).toMatchObject({ model: MODEL, stream: true, outcome: 'completed' });
      expect(request.maxTokens).toBeLessThanOrEqual(300);
      expect(request.tools!.map((t) => t.function.name)).toContain('send_sms');
    }
    expect(requests[0]!.firstTokenAt! - requests[0]!.receivedAt).toBeGreaterThanOrEqual(50);
    expect(requests[0]!.finishedAt! - requests[0]!.firstTokenAt!).toBeGreaterThan(100); // many deltas, 25 ms apart
    expect(requests[1]!.messages.find((m) => m.role === 'tool')?.content).toMatch(/sent/i);

    await caller.hangup();
    await callStatus(system, callSid, 'completed', {
      From: remote,
      To: AGENT_NUMBER,
      Direction: 'inbound',
      CallDuration: '9',
      SequenceNumber: '3',
    });
    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    expect(result.outcome).toBe('completed');
    const ended = await eventually('call.ended', async () =>
      (await new EventLog(system.db).list({ type: 'call.ended' }, 500)).find((e) => e.data.callSid === callSid),
    );
    expect(ended.data).toMatchObject({
      from: remote,
      to: AGENT_NUMBER,
      remote,
      local: AGENT_NUMBER,
      direction: 'inbound',
    });
  });
});
