import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import type {
  CallStatusUpdate,
  LegacyToolRequest,
  StreamEnded,
  StreamStarted,
  ToolRequest,
} from '../../src/voice/call-types';
import type { ExternalToolActivities, ToolActivityInput, ToolContext, ToolOutcome } from '../../src/agents/tool-calls';
import { FOLLOW_UP_WORKFLOW, followUpWorkflowId } from '../../workflows/follow-up/contract';
import { rejection } from '../harness/rejection';
import { uniqueName } from '../harness/stack';
import {
  CALL_WORKFLOW,
  callStateQuery,
  callStatusSignal,
  callWorkflowId,
  dtmfSignal,
  runToolUpdate,
  streamEndedSignal,
  streamLostSignal,
  streamStartedSignal,
  turnSignal,
  type CallWorkflow,
  type CallWorkflowTimings,
} from '../../workflows/call/contract';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, eventually } from '../harness/system';

type FinalizeCallInput = Parameters<Activities['finalizeCall']>[0];

const CALLER = '+14155550123';

/**
 * callWorkflow with stubbed activities and shortened timers: the status grace period after the
 * stream ends, abandonment, forward-only statuses and the idempotent runTool update.
 */
describe('callWorkflow', () => {
  const calls = new ActivityCalls();
  let worker: StubbedWorker;

  const stubs = {
    async recordCallStart(input: Parameters<Activities['recordCallStart']>[0]) {
      calls.record('recordCallStart', input);
    },
    async recordCallTurn(input: Parameters<Activities['recordCallTurn']>[0]) {
      calls.record('recordCallTurn', input);
    },
    async startCallRecording(input: Parameters<Activities['startCallRecording']>[0]) {
      calls.record('startCallRecording', input);
      return { status: 'started' as const, recordingSid: `RE${input.callSid.slice(2)}` };
    },
    async finalizeCall(input: FinalizeCallInput) {
      calls.record('finalizeCall', input);
    },
    async summarizeHistoryIfNeeded(input: Parameters<Activities['summarizeHistoryIfNeeded']>[0]) {
      calls.record('summarizeHistoryIfNeeded', input);
      return { summarized: 0 };
    },
    async indexCallTranscript(input: Parameters<Activities['indexCallTranscript']>[0]) {
      calls.record('indexCallTranscript', input);
      return { chunks: 0 };
    },
  } satisfies Partial<Activities>;

  /** The built-in tools' activities (`tool_<name>`) and the external tools' ones, answering from their input. */
  const toolStub =
    (name: string, outcome: (args: ToolActivityInput) => ToolOutcome) =>
    async (args: ToolActivityInput): Promise<ToolOutcome> => {
      calls.record(name, args);
      return outcome(args);
    };
  const toolStubs: Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>> = {
    tool_send_sms: toolStub('tool_send_sms', () => ({ ok: true, result: 'Text sent.' })),
    tool_end_call: toolStub('tool_end_call', () => ({ ok: true, result: 'Ended.', endsConversation: true })),
    tool_transfer_call: toolStub('tool_transfer_call', () => ({
      ok: true,
      result: 'Transferring.',
      endsConversation: true,
    })),
    tool_check_verification_code: toolStub('tool_check_verification_code', () => ({
      ok: true,
      result: 'Verified.',
      verified: true,
    })),
    tool_lookup_customer: toolStub('tool_lookup_customer', ({ context }) => ({
      ok: true,
      result: (context as ToolContext).callerVerified ? 'profile' : 'not verified',
    })),
    tool_schedule_follow_up: toolStub('tool_schedule_follow_up', () => ({
      ok: true,
      result: 'Scheduled.',
      followUp: { delayMs: 3_600_000, body: 'Checking in.' },
    })),
  };
  const externalStubs: ExternalToolActivities = {
    async runHttpTool(args) {
      calls.record('runHttpTool', args);
      return { ok: true, result: `order ${String(args.input.orderId)} shipped` };
    },
    async runMcpTool(args) {
      calls.record('runMcpTool', args);
      return { ok: true, result: `${args.server}/${args.tool} answered` };
    },
  };

  beforeAll(async () => {
    worker = await startStubbedWorker({ ...stubs, ...toolStubs, ...externalStubs });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  async function startCall(timings: CallWorkflowTimings) {
    const callSid = `CA${randomUUID().replace(/-/g, '')}`;
    const workflowId = callWorkflowId(callSid);
    const handle = await worker.client.workflow.start<CallWorkflow>(CALL_WORKFLOW, {
      workflowId,
      taskQueue: worker.taskQueue,
      args: [{ callSid, accountSid: TEST_ACCOUNT_SID, timings }],
    });
    const status = (status: CallStatusUpdate['status'], extra: Partial<CallStatusUpdate> = {}) =>
      handle.signal(callStatusSignal, { status, at: new Date().toISOString(), ...extra });
    const streamStarted = (extra: Partial<StreamStarted> = {}) =>
      handle.signal(streamStartedSignal, {
        callSid,
        accountSid: TEST_ACCOUNT_SID,
        streamSid: `MZ${callSid.slice(2)}`,
        customerId: 'customer-caller',
        remote: CALLER,
        local: AGENT_NUMBER,
        direction: 'inbound',
        at: new Date().toISOString(),
        ...extra,
      } satisfies StreamStarted);
    const streamEnded = (reason: StreamEnded['reason']) =>
      handle.signal(streamEndedSignal, { reason, at: new Date().toISOString() });
    const finalized = () => calls.of(workflowId, 'finalizeCall').map((c) => c.input as FinalizeCallInput);
    return { callSid, workflowId, handle, status, streamStarted, streamEnded, finalized };
  }

  it.each([
    ['stop', 'completed'],
    ['socket_closed', 'dropped'],
  ] as const)(
    'closes a call whose stream ended (%s) without a final status after the grace period: %s',
    async (reason, outcome) => {
      const call = await startCall({ statusGrace: '1 second' });
      await call.status('in-progress', { from: CALLER, to: AGENT_NUMBER });
      await call.streamStarted();
      const endedAt = Date.now();
      await call.streamEnded(reason);
      expect(await call.handle.result()).toEqual({ outcome, turns: 0 });
      const [finalized] = call.finalized();
      expect(finalized).toMatchObject({ outcome, status: { status: 'in-progress' }, ended: { reason } });
      // The shortened grace, not the default 30 seconds.
      const waited = calls.of(call.workflowId, 'finalizeCall')[0]!.at - endedAt;
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(10_000);
      expect(calls.of(call.workflowId, 'recordCallStart')).toHaveLength(1);
      expect(calls.of(call.workflowId, 'startCallRecording')).toHaveLength(1);
      expect(calls.of(call.workflowId, 'summarizeHistoryIfNeeded').map((c) => c.input)).toEqual([
        { customerId: 'customer-caller' },
      ]);
      // The transcript is indexed once the call is recorded as over, before memory upkeep (which may wait on the model).
      const order = calls.of(call.workflowId).map((c) => c.name);
      expect(
        order.filter((n) => ['finalizeCall', 'indexCallTranscript', 'summarizeHistoryIfNeeded'].includes(n)),
      ).toEqual(['finalizeCall', 'indexCallTranscript', 'summarizeHistoryIfNeeded']);
      expect(calls.of(call.workflowId, 'indexCallTranscript').map((c) => c.input)).toEqual([{ callSid: call.callSid }]);
    },
  );

  it('uses a final status that arrives within the grace period, without waiting it out', async () => {
    // The default grace (30 seconds): the final status ends the wait, not the timer.
    const call = await startCall({});
    const startedAt = Date.now();
    await call.status('in-progress');
    await call.streamStarted();
    await call.streamEnded('stop');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await call.status('completed', { durationSeconds: 42 });
    expect(await call.handle.result()).toEqual({ outcome: 'completed', turns: 0 });
    const finalized = call.finalized();
    expect(finalized).toHaveLength(1);
    expect(finalized[0]?.status).toMatchObject({ status: 'completed', durationSeconds: 42 });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('closes a call that never reports anything after the abandonment limit, as failed', async () => {
    const call = await startCall({ abandonedAfter: '1.5 seconds' });
    const startedAt = Date.now();
    expect(await call.handle.result()).toEqual({ outcome: 'failed', turns: 0 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1400);
    const [finalized] = call.finalized();
    expect(finalized).toMatchObject({ outcome: 'failed', turns: 0, dtmf: [] });
    expect(finalized?.stream).toBeUndefined();
    expect(finalized?.status).toBeUndefined();
    expect(finalized?.ended).toBeUndefined();
  });

  it('closes an answered call that goes without any news for the abandonment limit: its lost stream makes it dropped', async () => {
    const call = await startCall({ abandonedAfter: '1.5 seconds', statusGrace: '500 milliseconds' });
    const startedAt = Date.now();
    await call.status('in-progress');
    await call.streamStarted();
    // No final status, no stream end: no worker ever reported the stream's end, so it was lost with its worker.
    expect(await call.handle.result()).toEqual({ outcome: 'dropped', turns: 0 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const [finalized] = call.finalized();
    expect(finalized).toMatchObject({ outcome: 'dropped', status: { status: 'in-progress' } });
    expect(finalized?.ended).toBeUndefined();
  });

  it('a live call is never closed while it talks: it continues as new, and signals, updates and queries carry on', async () => {
    const call = await startCall({
      abandonedAfter: '1.5 seconds',
      statusGrace: '500 milliseconds',
      continueAfterTurns: 2,
    });
    const firstRun = (await call.handle.describe()).runId;
    await call.status('in-progress', { from: CALLER, to: AGENT_NUMBER });
    await call.streamStarted();
    const tool = { toolCallId: 'toolu_sms', name: 'send_sms', input: { message: 'hi' } } satisfies ToolRequest;
    expect(await call.handle.executeUpdate(runToolUpdate, { args: [tool] })).toMatchObject({ ok: true });
    // Six turns over three seconds: twice the abandonment limit, never that long without news.
    for (let turnId = 1; turnId <= 6; turnId++) {
      await call.handle.signal(turnSignal, {
        turnId,
        role: turnId % 2 ? 'caller' : 'agent',
        text: `turn ${turnId}`,
        at: new Date().toISOString(),
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const latest = await call.handle.describe();
    expect(latest.status.name).toBe('RUNNING');
    expect(latest.runId).not.toBe(firstRun);
    const state = await call.handle.query(callStateQuery);
    expect(state.turns).toBe(6);
    expect(state.transcript?.map((t) => t.text)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `turn ${n}`));
    expect(state.status).toMatchObject({ status: 'in-progress', from: CALLER });
    // The same tool call asked again in the new run is answered from the carried answer, not run twice.
    expect(await call.handle.executeUpdate(runToolUpdate, { args: [tool] })).toMatchObject({ ok: true });
    expect(calls.of(call.workflowId, 'tool_send_sms')).toHaveLength(1);
    expect(calls.of(call.workflowId, 'recordCallStart')).toHaveLength(1);
    expect(calls.of(call.workflowId, 'startCallRecording')).toHaveLength(1);
    await call.streamEnded('stop');
    await call.status('completed');
    expect(await call.handle.result()).toEqual({ outcome: 'completed', turns: 6 });
    const [finalized] = call.finalized();
    expect(finalized?.startedAt).toBe(
      (await worker.client.workflow.getHandle(call.workflowId, firstRun).describe()).startTime.toISOString(),
    );
  });

  it('a stream taken over by another worker: the call goes on, a late end of the old stream is ignored, the record says reconnected', async () => {
    const call = await startCall({ statusGrace: '1 second' });
    await call.status('in-progress');
    await call.streamStarted({ streamSid: 'MZold' });
    await call.handle.signal(streamEndedSignal, {
      reason: 'handover',
      at: new Date().toISOString(),
      streamSid: 'MZold',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await call.streamStarted({ streamSid: 'MZnew', seq: 1 });
    // Longer than the grace: the call is live on its new stream.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await call.handle.signal(streamEndedSignal, {
      reason: 'socket_closed',
      at: new Date().toISOString(),
      streamSid: 'MZold',
    });
    expect((await call.handle.describe()).status.name).toBe('RUNNING');
    expect(await call.handle.query(callStateQuery)).toMatchObject({ streams: 2, reconnects: 1 });
    await call.handle.signal(streamEndedSignal, { reason: 'stop', at: new Date().toISOString(), streamSid: 'MZnew' });
    await call.status('completed');
    expect((await call.handle.result()).outcome).toBe('completed');
    expect(call.finalized()[0]).toMatchObject({ outcome: 'completed', reconnects: 1, ended: { reason: 'stop' } });
  });

  it('a lost stream no worker could take is dropped, even when Twilio then reports the call completed', async () => {
    const call = await startCall({ statusGrace: '1 second' });
    await call.status('in-progress');
    await call.streamStarted();
    await call.handle.signal(streamLostSignal, { at: new Date().toISOString(), reason: 'no worker' });
    await call.status('completed');
    expect((await call.handle.result()).outcome).toBe('dropped');
  });

  it('moves statuses forward only: a late ringing does not undo in-progress', async () => {
    const call = await startCall({ statusGrace: '500 milliseconds' });
    await call.status('in-progress', { from: CALLER, to: AGENT_NUMBER, sequenceNumber: 2 });
    await call.status('ringing', { sequenceNumber: 1 });
    // Signals are handled in order: once the digit is in, the late ringing has been seen.
    await call.handle.signal(dtmfSignal, { digits: '1', at: new Date().toISOString() });
    const state = await eventually('the digit', async () => {
      const current = await call.handle.query(callStateQuery);
      return current.dtmf.includes('1') && current;
    });
    expect(state.status).toMatchObject({ status: 'in-progress', sequenceNumber: 2, from: CALLER });

    await call.status('completed');
    expect(await call.handle.result()).toEqual({ outcome: 'completed', turns: 0 });
    // The final status keeps the addresses an earlier callback carried.
    expect(call.finalized()[0]?.status).toMatchObject({ status: 'completed', from: CALLER, to: AGENT_NUMBER });
  });

  it('runs a tool once per tool-use id, however often the update is retried', async () => {
    const call = await startCall({ statusGrace: '500 milliseconds' });
    await call.streamStarted();
    const sms: ToolRequest = { toolCallId: 'toolu_sms', name: 'send_sms', input: { message: 'Your order shipped.' } };
    const first = await call.handle.executeUpdate(runToolUpdate, { args: [sms] });
    const retried = await call.handle.executeUpdate(runToolUpdate, { args: [{ ...sms }] });
    expect(retried).toEqual(first);
    // An update from a realtime worker of the previous release names the tool-use id `callId`.
    const legacyEnd: LegacyToolRequest = { callId: 'toolu_end', name: 'end_call', input: {} };
    await call.handle.executeUpdate(runToolUpdate, { args: [legacyEnd] });
    await call.handle.executeUpdate(runToolUpdate, { args: [{ ...legacyEnd }] });

    const contexts = (name: string) =>
      calls.of(call.workflowId, name).map((c) => (c.input as ToolActivityInput).context as ToolContext);
    expect(contexts('tool_send_sms').map((c) => c.toolCallId)).toEqual(['toolu_sms']);
    expect(contexts('tool_end_call').map((c) => c.toolCallId)).toEqual(['toolu_end']);
    expect(contexts('tool_send_sms')[0]).toMatchObject({
      channel: 'voice',
      callSid: call.callSid,
      customerId: 'customer-caller',
      customerAddress: CALLER,
      agentAddress: AGENT_NUMBER,
      callerVerified: false,
    });

    await call.streamEnded('stop');
    await call.status('completed');
    // A successful end_call is the outcome, over the plain completed status.
    expect(await call.handle.result()).toEqual({ outcome: 'agent_ended', turns: 0 });
  });
  it('runs the legacy transfer_to_human as transfer_call, and a transfer is the outcome', async () => {
    const call = await startCall({ statusGrace: '500 milliseconds' });
    await call.streamStarted();
    const legacy: ToolRequest = { toolCallId: 'toolu_t', name: 'transfer_to_human', input: { reason: 'asked' } };
    expect(await call.handle.executeUpdate(runToolUpdate, { args: [legacy] })).toMatchObject({ ok: true });
    expect(calls.of(call.workflowId, 'tool_transfer_call')).toHaveLength(1);
    // A name that is neither a built-in nor a routed external tool is refused by the update's validator.
    const refused = await rejection(
      call.handle.executeUpdate(runToolUpdate, { args: [{ toolCallId: 'toolu_x', name: 'format_disk', input: {} }] }),
    );
    expect((refused as Error).cause).toMatchObject({ message: 'unknown tool format_disk' });
    await call.streamEnded('stop');
    await call.status('completed');
    expect(await call.handle.result()).toEqual({ outcome: 'transferred', turns: 0 });
  });

  it("tells tools whether the caller is verified: the stream's trust, or a code they confirmed", async () => {
    const call = await startCall({ statusGrace: '500 milliseconds' });
    await call.streamStarted({ trust: 'unverified' });
    const lookup = (id: string) =>
      call.handle.executeUpdate(runToolUpdate, {
        args: [{ toolCallId: id, name: 'lookup_customer', input: {}, route: { kind: 'builtin' } }],
      });
    expect((await lookup('toolu_l1')).result).toBe('not verified');
    const check: ToolRequest = { toolCallId: 'toolu_c', name: 'check_verification_code', input: { code: '123456' } };
    expect(await call.handle.executeUpdate(runToolUpdate, { args: [check] })).toMatchObject({ verified: true });
    expect((await lookup('toolu_l2')).result).toBe('profile');

    const trusted = await startCall({ statusGrace: '500 milliseconds' });
    await trusted.streamStarted({ trust: 'verified' });
    const result = await trusted.handle.executeUpdate(runToolUpdate, {
      args: [{ toolCallId: 'toolu_l3', name: 'lookup_customer', input: {} }],
    });
    expect(result.result).toBe('profile');
    for (const c of [call, trusted]) {
      await c.streamEnded('stop');
      await c.status('completed');
      await c.handle.result();
    }
  });

  it("starts a follow-up planned by schedule_follow_up, texting the caller's number, and routes external tools", async () => {
    const call = await startCall({ statusGrace: '500 milliseconds' });
    const customerId = uniqueName('customer');
    await call.streamStarted({ customerId });
    const followUp: ToolRequest = {
      toolCallId: 'toolu_f',
      name: 'schedule_follow_up',
      input: { delayMinutes: 60, message: 'Checking in.' },
      route: { kind: 'builtin' },
    };
    const told = await call.handle.executeUpdate(runToolUpdate, { args: [followUp] });
    expect(told).toEqual({ ok: true, result: 'Scheduled.' });
    const child = worker.client.workflow.getHandle(followUpWorkflowId(customerId, 'toolu_f'));
    const described = await child.describe();
    expect(described.type).toBe(FOLLOW_UP_WORKFLOW);
    const [args] = (await child.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(JSON.parse(Buffer.from(args!.data!).toString())).toMatchObject({
      customerId,
      from: AGENT_NUMBER,
      to: CALLER,
      body: 'Checking in.',
      delayMs: 3_600_000,
    });
    await child.terminate('test over');

    const http: ToolRequest = {
      toolCallId: 'toolu_h',
      name: 'order_status',
      input: { orderId: '42' },
      route: { kind: 'http', name: 'order_status' },
    };
    expect(await call.handle.executeUpdate(runToolUpdate, { args: [http] })).toEqual({
      ok: true,
      result: 'order 42 shipped',
    });
    const mcp: ToolRequest = {
      toolCallId: 'toolu_m',
      name: 'crm_find',
      input: {},
      route: { kind: 'mcp', server: 'crm', tool: 'find' },
    };
    expect((await call.handle.executeUpdate(runToolUpdate, { args: [mcp] })).result).toBe('crm/find answered');
    const [httpCall] = calls.of(call.workflowId, 'runHttpTool');
    expect(httpCall!.input).toMatchObject({
      name: 'order_status',
      context: { callSid: call.callSid, toolCallId: 'toolu_h' },
    });
    await call.streamEnded('stop');
    await call.status('completed');
    expect(await call.handle.result()).toEqual({ outcome: 'completed', turns: 0 });
  });
});
