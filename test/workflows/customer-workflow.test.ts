import { ApplicationFailure } from '@temporalio/activity';
import type { KnowledgePassage } from '../../src/knowledge/citations';
import type { Activities } from '../../activities';
import type { ExternalToolActivities, ToolActivityInput, ToolContext, ToolOutcome } from '../../src/agents/tool-calls';
import { consentKeyword } from '../../src/messaging/consent-keywords';
import type { InboundMessage } from '../../src/messaging/inbound';
import {
  CUSTOMER_WORKFLOW,
  customerWorkflowId,
  inboundMessageSignal,
  type CustomerWorkflow,
  type CustomerWorkflowInput,
} from '../../workflows/customer/contract';
import { uniqueName } from '../harness/stack';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually, messageSid } from '../harness/system';

type Reply = Awaited<ReturnType<Activities['generateReply']>>;

/**
 * customerWorkflow with stubbed activities and shortened timers: idle timeout, continue-as-new,
 * the tool-round limit and the fallback reply, each in a few seconds.
 */
const REFUND_PASSAGE: KnowledgePassage = {
  n: 1,
  chunkId: 'doc:refunds:0',
  kind: 'document',
  title: 'Refund policy',
  source: { kind: 'document', knowledgeBaseId: 'kb', documentId: 'refunds', title: 'Refund policy', position: 0 },
  text: 'Refunds are paid within 14 days.',
};

describe('customerWorkflow', () => {
  const calls = new ActivityCalls();
  /** Per workflow: how the model answers, and a gate recordInbound waits on (to let messages queue up). */
  const replies = new Map<string, () => Reply>();
  const inboundGates = new Map<string, Promise<void>>();
  let worker: StubbedWorker;

  const workflowIdOf = (input: { customerId: string }) => customerWorkflowId(input.customerId);
  const stubs = {
    async recordInbound(input: Parameters<Activities['recordInbound']>[0]) {
      calls.record('recordInbound', input);
      await inboundGates.get(workflowIdOf(input));
    },
    async generateReply(input: Parameters<Activities['generateReply']>[0]) {
      calls.record('generateReply', input);
      const reply = replies.get(workflowIdOf(input));
      return reply ? reply() : { text: 'Happy to help.', toolCalls: [], historyFull: false };
    },
    async sendMessage(input: Parameters<Activities['sendMessage']>[0]) {
      calls.record('sendMessage', input);
      return { twilioSid: `SM-${input.idempotencyKey}` };
    },
    async digestInboundMedia(input: Parameters<Activities['digestInboundMedia']>[0]) {
      calls.record('digestInboundMedia', input);
      // A message whose sid says so stands for attachments that cannot be digested at all.
      if (input.messageSid.includes('UNREADABLE'))
        throw ApplicationFailure.nonRetryable('transcription service gone', 'Broken');
      return { usable: true, digests: [] };
    },
    async markMediaUnreadable(input: Parameters<Activities['markMediaUnreadable']>[0]) {
      calls.record('markMediaUnreadable', input);
      return { usable: false, customerNote: "I couldn't read the audio file you sent in time." };
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
      return {
        agent: { id: input.agentId ?? 'default', version: 1 },
        name: input.agentId ?? 'Default agent',
        enabled: true,
      };
    },
    async findAgent(input: Parameters<Activities['findAgent']>[0]) {
      calls.record('findAgent', input);
      return input.agentId === 'billing'
        ? { found: true as const, id: 'billing', version: 3, name: 'Billing' }
        : { found: false as const };
    },
    async appendEvent(input: Parameters<Activities['appendEvent']>[0]) {
      calls.record('appendEvent', input);
      return { recorded: true };
    },
    async retrieveKnowledge(input: Parameters<Activities['retrieveKnowledge']>[0]) {
      calls.record('retrieveKnowledge', input);
      if (input.text.includes('index down')) throw ApplicationFailure.nonRetryable('index gone', 'Broken');
      return /refund/i.test(input.text) ? { passages: [REFUND_PASSAGE] } : { passages: [] };
    },
  } satisfies Partial<Activities>;
  /** Tool activities (`tool_<name>`) are registered by name at run time. */
  const toolStubs: Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>> = {
    async tool_lookup_customer(input) {
      calls.record('tool_lookup_customer', input);
      return { ok: true, result: JSON.stringify({ found: true, name: 'Ada' }) };
    },
    async tool_send_sms(input) {
      calls.record('tool_send_sms', input);
      return { ok: true, result: 'Text sent.' };
    },
  };
  /** HTTP tools: one that fails every attempt, to count them (a tool that must not repeat gets one). */
  const externalStubs: Pick<ExternalToolActivities, 'runHttpTool'> = {
    async runHttpTool(input) {
      calls.record('runHttpTool', input);
      throw ApplicationFailure.retryable(`${input.name} is down`, 'Down');
    },
  };

  beforeAll(async () => {
    worker = await startStubbedWorker({ ...stubs, ...toolStubs, ...externalStubs });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  function message(body: string): InboundMessage {
    return {
      messageSid: messageSid(),
      accountSid: TEST_ACCOUNT_SID,
      channel: 'sms',
      from: '+14155550100',
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

  async function start(
    { customerId, workflowId }: { customerId: string; workflowId: string },
    input: Omit<CustomerWorkflowInput, 'customerId'>,
    first?: InboundMessage,
  ) {
    const options = {
      workflowId,
      taskQueue: worker.taskQueue,
      args: [{ customerId, ...input }] as [CustomerWorkflowInput],
    };
    const startedAt = Date.now();
    const handle = first
      ? await worker.client.workflow.signalWithStart<CustomerWorkflow, [InboundMessage]>(CUSTOMER_WORKFLOW, {
          ...options,
          signal: inboundMessageSignal,
          signalArgs: [first],
        })
      : await worker.client.workflow.start<CustomerWorkflow>(CUSTOMER_WORKFLOW, options);
    return { handle, startedAt };
  }

  const sent = (workflowId: string) =>
    calls.of(workflowId, 'sendMessage').map((c) => c.input as Parameters<Activities['sendMessage']>[0]);

  it('answers the text when the attachments cannot be digested, marking them unreadable', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    const voiceNote: InboundMessage = {
      ...message('and my order is 5521'),
      messageSid: `${messageSid('MM')}UNREADABLE`,
      media: [{ url: 'https://api.twilio.com/2010-04-01/Media/ME1', contentType: 'audio/ogg' }],
    };
    const { handle } = await start(customer, { timings: { idleTimeout: '1 second' } }, voiceNote);
    await handle.result();
    expect(calls.of(workflowId, 'markMediaUnreadable').map((c) => c.input)).toEqual([
      { messageSid: voiceNote.messageSid },
    ]);
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(1);
    expect(sent(workflowId)).toEqual([
      expect.objectContaining({ idempotencyKey: `reply:${voiceNote.messageSid}`, body: 'Happy to help.' }),
    ]);
  });

  it('gives the model the passages retrieved for the message, sends the reply without [n] and records what it cited', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    replies.set(workflowId, () => ({
      text: 'Refunds are paid within 14 days [1].',
      toolCalls: [],
      historyFull: false,
    }));
    const asked = message('How long do refunds take?');
    const { handle } = await start(customer, { timings: { idleTimeout: '1 second' } }, asked);
    const down = message('and if the index down?');
    await handle.signal(inboundMessageSignal, down);
    await handle.result();
    expect(calls.of(workflowId, 'retrieveKnowledge').map((c) => c.input)).toEqual([
      expect.objectContaining({ messageSid: asked.messageSid, text: asked.body, agent: { id: 'default', version: 1 } }),
      expect.objectContaining({ messageSid: down.messageSid }),
    ]);
    const [first, second] = calls
      .of(workflowId, 'generateReply')
      .map((c) => c.input as Parameters<Activities['generateReply']>[0]);
    expect(first!.knowledge).toEqual([REFUND_PASSAGE]);
    // A retrieval that fails does not hold the reply up: it is written without passages.
    expect(second!.knowledge).toBeUndefined();
    const [reply, next] = sent(workflowId);
    expect(reply).toEqual(
      expect.objectContaining({
        body: 'Refunds are paid within 14 days.',
        citations: [
          { chunkId: 'doc:refunds:0', kind: 'document', title: 'Refund policy', source: REFUND_PASSAGE.source },
        ],
      }),
    );
    expect(next!.citations).toBeUndefined();
  });

  it('completes after the idle timeout when no message arrives', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    const { handle, startedAt } = await start(customer, { timings: { idleTimeout: '1 second' } });
    await handle.result();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(calls.of(workflowId)).toEqual([]);
  });

  it('does not answer a consent keyword (STOP) with the model, and answers the next message', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    const stop = message('Stop');
    const { handle } = await start(customer, { timings: { idleTimeout: '1 second' } }, stop);
    const hello = message('hello again');
    await handle.signal(inboundMessageSignal, hello);
    await handle.result();
    const checked = calls.of(workflowId, 'applyConsentKeyword').map((c) => c.input as { message: InboundMessage });
    expect(checked.map((input) => input.message.messageSid)).toEqual([stop.messageSid, hello.messageSid]);
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(1);
    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual([`reply:${hello.messageSid}`]);
  });

  it('answers a message that arrives before the idle timeout, which then starts over', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    const { handle, startedAt } = await start(customer, { timings: { idleTimeout: '1.5 seconds' } });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const hello = message('hello');
    await handle.signal(inboundMessageSignal, hello);
    await handle.result();
    const [reply] = calls.of(workflowId, 'sendMessage');
    expect(reply?.input).toMatchObject({ idempotencyKey: `reply:${hello.messageSid}`, body: 'Happy to help.' });
    // The idle timer restarted after the answer: the workflow outlived its first timeout.
    expect(Date.now() - reply!.at).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2100);
  });

  it('continues as new with the unanswered message and the recent sids; each message is answered once, in order', async () => {
    const [first, second, third, later] = ['one', 'two', 'three', 'four'].map(message) as [
      InboundMessage,
      InboundMessage,
      InboundMessage,
      InboundMessage,
    ];
    let open!: () => void;
    const customerGate = new Promise<void>((resolve) => (open = resolve));
    // The first message is held at recordInbound until the other two are queued behind it.
    const customer = newCustomer();
    const { workflowId } = customer;
    inboundGates.set(workflowId, customerGate);
    const { handle } = await start(customer, { maxMessagesPerRun: 2, timings: { idleTimeout: '1 second' } }, first);
    await handle.signal(inboundMessageSignal, second);
    await handle.signal(inboundMessageSignal, third);
    open();

    await eventually('the third reply', () => sent(workflowId).length === 3);
    // Redelivered by Twilio after the continue-as-new: still known, so dropped; a new message is answered.
    await handle.signal(inboundMessageSignal, second);
    await handle.signal(inboundMessageSignal, later);
    await handle.result();

    expect(sent(workflowId).map((m) => m.idempotencyKey)).toEqual(
      [first, second, third, later].map((m) => `reply:${m.messageSid}`),
    );
    const runs = calls.of(workflowId, 'sendMessage').map((c) => c.runId);
    // Each exchange indexed once, by the run that answered it (settled before it continued as new).
    const indexed = calls.of(workflowId, 'indexMessages');
    expect(indexed.map((c) => c.input)).toEqual(
      [first, second, third, later].map((m) => ({ messageIds: [m.messageSid, `reply:${m.messageSid}`] })),
    );
    expect(indexed.map((c) => c.runId)).toEqual(runs);
    expect(runs[1]).toBe(runs[0]);
    expect(runs[2]).not.toBe(runs[0]);
    expect(runs[3]).toBe(runs[2]);
    const firstRun = await worker.client.workflow.getHandle(workflowId, runs[0]).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
  });

  it('sends the reply after the tool-round limit even if the model keeps asking for tools', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    let round = 0;
    replies.set(workflowId, () => ({
      text: `Still looking (${++round})`,
      toolCalls: [{ id: `toolu_${round}`, name: 'lookup_customer', input: {}, route: { kind: 'builtin' } }],
      historyFull: false,
    }));
    const { handle } = await start(customer, { timings: { idleTimeout: '500 milliseconds' } }, message('who am I?'));
    await handle.result();
    // MAX_TOOL_ROUNDS (4) rounds of tools, then a fifth answer that is sent as it is.
    expect(calls.of(workflowId, 'generateReply').length).toBe(5);
    expect(calls.of(workflowId, 'tool_lookup_customer').length).toBe(4);
    expect(sent(workflowId)).toEqual([expect.objectContaining({ body: 'Still looking (5)' })]);
  });

  it('a handoff gives the message and the line to the named agent, kept across continue-as-new; an unknown agent is an error to the model', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    replies.set(workflowId, () => {
      const asked = calls.of(workflowId, 'generateReply').at(-1)!.input as Parameters<Activities['generateReply']>[0];
      const scratch = JSON.stringify(asked.scratch ?? []);
      if (asked.agent?.id === 'billing')
        return { text: 'Billing here: your invoice is paid.', toolCalls: [], historyFull: false };
      if (!scratch.includes('toolu_nobody'))
        return {
          text: '',
          toolCalls: [{ id: 'toolu_nobody', name: 'handoff_to_agent', input: { agentId: 'nobody', reason: 'x' } }],
          historyFull: false,
        };
      return {
        text: 'Passing you on.',
        toolCalls: [
          {
            id: 'toolu_billing',
            name: 'handoff_to_agent',
            input: { agentId: 'billing', reason: 'an invoice question' },
          },
        ],
        historyFull: false,
      };
    });
    const first = message('Is my invoice paid?');
    const { handle } = await start(customer, { maxMessagesPerRun: 1, timings: { idleTimeout: '1 second' } }, first);
    await eventually('the first reply', () => sent(workflowId).length === 1);
    await handle.signal(inboundMessageSignal, message('And the next one?'));
    await handle.result();

    const asks = calls
      .of(workflowId, 'generateReply')
      .map((c) => c.input as Parameters<Activities['generateReply']>[0]);
    // The unknown agent came back to the model as an error; the known one took over and answered afresh.
    expect(JSON.stringify(asks[1]!.scratch)).toContain('There is no agent \\"nobody\\"');
    expect(asks[2]).toMatchObject({
      agent: { id: 'billing', version: 3 },
      scratch: [],
      handoff: { from: 'Default agent', reason: 'an invoice question' },
    });
    expect(sent(workflowId).map((m) => [m.body, m.agent?.id])).toEqual([
      ['Billing here: your invoice is paid.', 'billing'],
      ['Billing here: your invoice is paid.', 'billing'],
    ]);
    // The next message (after continue-as-new) goes to billing at once.
    const resolved = calls.of(workflowId, 'resolveLineAgent').map((c) => c.input as { agentId?: string });
    expect(resolved.map((r) => r.agentId)).toEqual([undefined, 'billing']);
    const runs = calls.of(workflowId, 'sendMessage').map((c) => c.runId);
    expect(runs[1]).not.toBe(runs[0]);
  });

  it('sends the fallback and records agent.fallback when the model fails', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    replies.set(workflowId, () => {
      throw ApplicationFailure.nonRetryable('model is down', 'ModelDown');
    });
    const hello = message('hello?');
    const { handle } = await start(customer, { timings: { idleTimeout: '500 milliseconds' } }, hello);
    await handle.result();
    expect(calls.of(workflowId, 'generateReply')).toHaveLength(1);
    const [reply] = sent(workflowId);
    expect(reply).toMatchObject({ idempotencyKey: `reply:${hello.messageSid}`, fallback: true });
    expect(reply?.body).toBeUndefined();
    const events = calls.of(workflowId, 'appendEvent').map((c) => c.input);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: `agent.fallback:${hello.messageSid}`,
      type: 'agent.fallback',
      data: { messageSid: hello.messageSid, error: 'model is down' },
    });
  });
  it('runs every tool call through one path: built-ins by activity, external tools by theirs, each with its message', async () => {
    const customer = newCustomer();
    const { workflowId } = customer;
    let round = 0;
    replies.set(workflowId, () =>
      ++round === 1
        ? {
            text: '',
            toolCalls: [
              { id: 'toolu_sms', name: 'send_sms', input: { message: 'Link' }, route: { kind: 'builtin' } },
              {
                id: 'toolu_hand',
                name: 'handoff_to_agent',
                input: { agentId: 'sales', reason: 'x' },
                route: { kind: 'builtin' },
              },
              {
                id: 'toolu_post',
                name: 'create_ticket',
                input: {},
                route: { kind: 'http', name: 'create_ticket' },
                repeatSafe: false,
              },
              { id: 'toolu_get', name: 'order_status', input: {}, route: { kind: 'http', name: 'order_status' } },
              { id: 'toolu_nope', name: 'transfer_call', input: {} },
            ],
            historyFull: false,
          }
        : { text: 'Done.', toolCalls: [], historyFull: false },
    );
    const hello = message('text me the link');
    const { handle } = await start(customer, { timings: { idleTimeout: '500 milliseconds' } }, hello);
    await handle.result();

    const [sms] = calls
      .of(workflowId, 'tool_send_sms')
      .map((c) => (c.input as ToolActivityInput).context as ToolContext);
    expect(sms).toMatchObject({ channel: 'messaging', messageSid: hello.messageSid, toolCallId: 'toolu_sms' });
    const http = calls.of(workflowId, 'runHttpTool').map((c) => (c.input as { name: string }).name);
    // The non-idempotent one once; the repeat-safe one retried (AGENT_TOOL: five attempts).
    expect(http.filter((n) => n === 'create_ticket')).toHaveLength(1);
    expect(http.filter((n) => n === 'order_status')).toHaveLength(5);
    const second = calls.of(workflowId, 'generateReply')[1]!.input as Parameters<Activities['generateReply']>[0];
    const results = (second.scratch ?? []).flatMap((item) =>
      'type' in item && item.type === 'tool_result' ? [[item.toolCallId, item.output, item.isError]] : [],
    );
    expect(results).toEqual([
      ['toolu_sms', 'Text sent.', false],
      // The workflow applies a handoff itself (here to an agent that does not exist: an answer for the model).
      ['toolu_hand', expect.stringContaining('There is no agent "sales"'), true],
      ['toolu_post', expect.stringContaining('create_ticket is down'), true],
      ['toolu_get', expect.stringContaining('order_status is down'), true],
      ['toolu_nope', 'There is no tool named transfer_call.', true],
    ]);
    expect(sent(workflowId)).toEqual([expect.objectContaining({ body: 'Done.' })]);
  }, 60_000);
});
