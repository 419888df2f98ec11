import { ApplicationFailure } from '@temporalio/activity';
import type { Activities } from '../../activities';
import type { ToolActivityInput, ToolOutcome } from '../../src/agents/tool-calls';
import { consentKeyword } from '../../src/messaging/consent-keywords';
import type { InboundMessage } from '../../src/messaging/inbound';
import {
  CUSTOMER_WORKFLOW,
  customerWorkflowId,
  handBackSignal,
  humanReplySignal,
  inboundMessageSignal,
  pauseAgentSignal,
  takeoverQuery,
  type CustomerWorkflow,
  type CustomerWorkflowInput,
  type PauseRequest,
} from '../../workflows/customer/contract';
import { uniqueName } from '../harness/stack';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually, messageSid } from '../harness/system';

type Reply = Awaited<ReturnType<Activities['generateReply']>>;
type SendInput = Parameters<Activities['sendMessage']>[0];
type SaveInput = Parameters<Activities['saveTakeover']>[0];

const CUSTOMER = '+15550230001';
const OPERATOR = { operatorId: 'op_ada', operatorName: 'Ada', accountSid: TEST_ACCOUNT_SID };

/**
 * Human takeover in customerWorkflow with stubbed activities: a pause holds the agent's replies,
 * a person's reply is sent once on the customer's channel, hand back resumes the agent (answering
 * the newest unanswered message), the paused state survives continue-as-new, an escalation queues
 * the conversation.
 */
describe('customerWorkflow human takeover', () => {
  const calls = new ActivityCalls();
  const replies = new Map<string, () => Reply>();
  let worker: StubbedWorker;
  const workflowIdOf = (input: { customerId: string }) => customerWorkflowId(input.customerId);

  const stubs = {
    async recordInbound(input: Parameters<Activities['recordInbound']>[0]) {
      calls.record('recordInbound', input);
    },
    async generateReply(input: Parameters<Activities['generateReply']>[0]) {
      calls.record('generateReply', input);
      const reply = replies.get(workflowIdOf(input));
      return reply ? reply() : { text: 'Agent here.', toolCalls: [], historyFull: false };
    },
    async sendMessage(input: SendInput) {
      calls.record('sendMessage', input);
      if (input.body?.includes('REFUSE'))
        throw ApplicationFailure.nonRetryable(`${input.to} has opted out (STOP): not sent`, 'OptedOut');
      return { twilioSid: `SM-${input.idempotencyKey}` };
    },
    async summarizeHistoryIfNeeded(input: Parameters<Activities['summarizeHistoryIfNeeded']>[0]) {
      calls.record('summarizeHistoryIfNeeded', input);
      return { summarized: 0 };
    },
    async indexMessages(input: Parameters<Activities['indexMessages']>[0]) {
      calls.record('indexMessages', input);
      return { chunks: input.messageIds.length };
    },
    async applyConsentKeyword(input: Parameters<Activities['applyConsentKeyword']>[0]) {
      calls.record('applyConsentKeyword', input);
      const keyword = consentKeyword(input.message.body, false);
      return keyword ? { keyword } : {};
    },
    async resolveLineAgent(input: Parameters<Activities['resolveLineAgent']>[0]) {
      calls.record('resolveLineAgent', input);
      return { agent: { id: 'default', version: 1 }, name: 'Default agent', enabled: true };
    },
    async retrieveKnowledge(input: Parameters<Activities['retrieveKnowledge']>[0]) {
      calls.record('retrieveKnowledge', input);
      return { passages: [] };
    },
    async saveTakeover(input: SaveInput) {
      calls.record('saveTakeover', input);
    },
    async findReplyRoute(input: Parameters<Activities['findReplyRoute']>[0]) {
      calls.record('findReplyRoute', input);
      return {
        accountSid: TEST_ACCOUNT_SID,
        channel: 'whatsapp' as const,
        customerAddress: `whatsapp:${CUSTOMER}`,
        businessAddress: `whatsapp:${AGENT_NUMBER}`,
      };
    },
  } satisfies Partial<Activities>;
  const toolStubs: Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>> = {
    async tool_escalate_to_human(input) {
      calls.record('tool_escalate_to_human', input);
      return {
        ok: true,
        result: '{"escalated":true,"via":"waiting queue"}',
        humanTakeover: { reason: String(input.input.reason) },
      };
    },
  };

  beforeAll(async () => {
    worker = await startStubbedWorker({ ...stubs, ...toolStubs });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  function message(body: string): InboundMessage {
    return {
      messageSid: messageSid(),
      accountSid: TEST_ACCOUNT_SID,
      channel: 'sms',
      from: CUSTOMER,
      to: AGENT_NUMBER,
      body,
      media: [],
      receivedAt: new Date().toISOString(),
    };
  }

  function newCustomer() {
    const customerId = uniqueName('customer');
    return { customerId, workflowId: customerWorkflowId(customerId) };
  }

  const options = (customerId: string, input: Omit<CustomerWorkflowInput, 'customerId'> = {}) => ({
    workflowId: customerWorkflowId(customerId),
    taskQueue: worker.taskQueue,
    args: [{ customerId, timings: { idleTimeout: '1 second' }, ...input }] as [CustomerWorkflowInput],
  });

  /** Pauses through signalWithStart, as the operator API does (the workflow may be idle or ended). */
  async function pause(customerId: string, input: Omit<CustomerWorkflowInput, 'customerId'> = {}, reason?: string) {
    return worker.client.workflow.signalWithStart<CustomerWorkflow, [PauseRequest]>(CUSTOMER_WORKFLOW, {
      ...options(customerId, input),
      signal: pauseAgentSignal,
      signalArgs: [{ ...OPERATOR, ...(reason ? { reason } : {}) }],
    });
  }

  const sent = (workflowId: string) => calls.of(workflowId, 'sendMessage').map((c) => c.input as SendInput);
  const views = (workflowId: string) =>
    calls.of(workflowId, 'saveTakeover').map((c) => (c.input as SaveInput).view);
  const events = (workflowId: string) =>
    calls.of(workflowId, 'saveTakeover').flatMap((c) => {
      const event = (c.input as SaveInput).event;
      return event ? [event.type] : [];
    });

  it('holds the agent while paused, sends a person reply once from our number, and hands back', async () => {
    const { customerId, workflowId } = newCustomer();
    const handle = await pause(customerId, {}, 'VIP customer');
    const first = message('Is anyone there?');
    await handle.signal(inboundMessageSignal, first);
    await eventually('the message held', () => views(workflowId).some((v) => v.unanswered === 1));
    // Longer than the idle timeout: a paused conversation waits for its person.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(0);
    expect(calls.of(workflowId, 'applyConsentKeyword')).toHaveLength(1);
    expect(await handle.query(takeoverQuery)).toMatchObject({
      state: 'human',
      origin: 'operator',
      reason: 'VIP customer',
      operatorName: 'Ada',
      unanswered: 1,
    });

    const reply = { ...OPERATOR, replyId: 'hr_1', text: 'Yes, Ada here. Your order ships today.' };
    await handle.signal(humanReplySignal, reply);
    // The same reply again (an API retry): nothing more is sent.
    await handle.signal(humanReplySignal, reply);
    await eventually('the reply sent', () => views(workflowId).some((v) => v.lastReply?.status === 'sent'));
    expect(sent(workflowId)).toEqual([
      {
        idempotencyKey: 'human:hr_1',
        customerId,
        accountSid: TEST_ACCOUNT_SID,
        from: AGENT_NUMBER,
        to: CUSTOMER,
        body: reply.text,
        purpose: 'reply',
        humanAuthor: { operatorId: 'op_ada', operatorName: 'Ada' },
      },
    ]);
    expect(views(workflowId).at(-1)).toMatchObject({ state: 'human', unanswered: 0, channel: 'sms' });

    await handle.signal(handBackSignal, OPERATOR);
    await eventually('handed back', () => views(workflowId).some((v) => v.state === 'agent'));
    // The person answered everything: the agent has nothing to answer until the next message.
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(0);
    const next = message('Thanks! And the invoice?');
    await handle.signal(inboundMessageSignal, next);
    await handle.result();
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(1);
    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual(['human:hr_1', `reply:${next.messageSid}`]);
    expect(events(workflowId)).toEqual(['takeover.paused', 'takeover.replied', 'takeover.handed_back']);
    // Revisions grow with every write (the store keeps the newest).
    const revisions = calls.of(workflowId, 'saveTakeover').map((c) => (c.input as SaveInput).revision);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
    expect(new Set(revisions).size).toBe(revisions.length);
  }, 60_000);

  it('after hand back the agent answers only the newest message no person answered', async () => {
    const { customerId, workflowId } = newCustomer();
    const handle = await pause(customerId);
    const [older, newer] = [message('hello?'), message('hello??? anyone?')];
    await handle.signal(inboundMessageSignal, older);
    await handle.signal(inboundMessageSignal, newer);
    const stop = message('STOP');
    await handle.signal(inboundMessageSignal, stop);
    await eventually('three held', () => calls.of(workflowId, 'applyConsentKeyword').length === 3);
    await eventually('saved', () => views(workflowId).at(-1)?.lastMessageAt === stop.receivedAt);
    // A consent keyword is no message to answer.
    expect(views(workflowId).at(-1)!.unanswered).toBe(2);
    await handle.signal(handBackSignal, OPERATOR);
    await handle.result();
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(1);
    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual([`reply:${newer.messageSid}`]);
  }, 60_000);

  it('stays paused across continue-as-new and reports a refused reply to the operator', async () => {
    const { customerId, workflowId } = newCustomer();
    const handle = await pause(customerId, { maxMessagesPerRun: 1 });
    const first = message('one');
    await handle.signal(inboundMessageSignal, first);
    await eventually('first held', () => views(workflowId).some((v) => v.unanswered === 1));
    const second = message('two');
    await handle.signal(inboundMessageSignal, second);
    await eventually('second held', () => views(workflowId).some((v) => v.unanswered === 2));
    const runs = new Set(calls.of(workflowId, 'applyConsentKeyword').map((c) => c.runId));
    expect(runs.size).toBe(2);
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(0);
    expect(await handle.query(takeoverQuery)).toMatchObject({ state: 'human', unanswered: 2 });

    await handle.signal(humanReplySignal, { ...OPERATOR, replyId: 'hr_refused', text: 'REFUSE me' });
    await eventually('refusal reported', () => views(workflowId).some((v) => v.lastReply?.status === 'failed'));
    const refused = views(workflowId).at(-1)!.lastReply!;
    expect(refused.replyId).toBe('hr_refused');
    expect(refused.error).toContain('opted out');
    // Not answered: still waiting for a person's answer.
    expect(views(workflowId).at(-1)!.unanswered).toBe(2);
    await handle.signal(handBackSignal, OPERATOR);
    await eventually('the agent answered', () => sent(workflowId).length === 2);
    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual(['human:hr_refused', `reply:${second.messageSid}`]);
  }, 60_000);

  it('a person replying on an idle conversation takes it over, on the channel the customer last wrote on', async () => {
    const { customerId, workflowId } = newCustomer();
    const handle = await worker.client.workflow.signalWithStart(CUSTOMER_WORKFLOW, {
      ...options(customerId),
      signal: humanReplySignal,
      signalArgs: [{ ...OPERATOR, replyId: 'hr_cold', text: 'Hi from the team' }],
    });
    await eventually('sent', () => sent(workflowId).length === 1);
    expect(sent(workflowId)[0]).toMatchObject({
      from: `whatsapp:${AGENT_NUMBER}`,
      to: `whatsapp:${CUSTOMER}`,
      humanAuthor: { operatorName: 'Ada' },
    });
    expect(await handle.query(takeoverQuery)).toMatchObject({ state: 'human', origin: 'operator' });
    await handle.signal(handBackSignal, OPERATOR);
    await handle.result();
  }, 60_000);

  it('escalate_to_human puts the conversation in the waiting queue after the reply that says so', async () => {
    const { customerId, workflowId } = newCustomer();
    let round = 0;
    replies.set(workflowId, () =>
      ++round === 1
        ? {
            text: '',
            toolCalls: [
              {
                id: 'toolu_esc',
                name: 'escalate_to_human',
                input: { reason: 'wants a refund' },
                route: { kind: 'builtin' },
              },
            ],
            historyFull: false,
          }
        : { text: 'A person will answer you here shortly.', toolCalls: [], historyFull: false },
    );
    const asked = message('I want a person');
    const handle = await worker.client.workflow.signalWithStart<CustomerWorkflow, [InboundMessage]>(CUSTOMER_WORKFLOW, {
      ...options(customerId),
      signal: inboundMessageSignal,
      signalArgs: [asked],
    });
    await eventually('queued', () => views(workflowId).some((v) => v.state === 'waiting'));
    const context = (calls.of(workflowId, 'tool_escalate_to_human')[0]!.input as ToolActivityInput).context;
    expect(context).toMatchObject({ humanQueue: true, channel: 'messaging' });
    expect(sent(workflowId)).toEqual([
      expect.objectContaining({
        idempotencyKey: `reply:${asked.messageSid}`,
        body: 'A person will answer you here shortly.',
      }),
    ]);
    expect(views(workflowId).at(-1)).toMatchObject({
      state: 'waiting',
      origin: 'escalation',
      reason: 'wants a refund',
      customerAddress: CUSTOMER,
      businessAddress: AGENT_NUMBER,
    });
    const during = message('hello?');
    await handle.signal(inboundMessageSignal, during);
    await eventually('held', () => views(workflowId).some((v) => v.unanswered === 1));
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(2);
    // An operator picks it up: now theirs.
    await handle.signal(pauseAgentSignal, OPERATOR);
    await eventually('taken', () => views(workflowId).at(-1)?.state === 'human');
    expect(views(workflowId).at(-1)).toMatchObject({ origin: 'escalation', operatorName: 'Ada' });
    await handle.signal(handBackSignal, OPERATOR);
    await handle.result();
    // Back with the agent: it answers the message that waited.
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(3);
    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual([
      `reply:${asked.messageSid}`,
      `reply:${during.messageSid}`,
    ]);
  }, 60_000);
});
