import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import {
  toolCallIdOf,
  type CallStatusUpdate,
  type LegacyToolRequest,
  type StreamEnded,
  type StreamStarted,
  type ToolRequest,
  type ToolRequestPayload,
} from '../../src/voice/call-types';
import {
  CALL_WORKFLOW,
  callStateQuery,
  callStatusSignal,
  callWorkflowId,
  dtmfSignal,
  runToolUpdate,
  streamEndedSignal,
  streamStartedSignal,
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
    async runVoiceTool(input: Parameters<Activities['runVoiceTool']>[0]) {
      calls.record('runVoiceTool', input);
      return { ok: true, result: `${input.request.name} done`, endsConversation: input.request.name === 'end_call' };
    },
    async finalizeCall(input: FinalizeCallInput) {
      calls.record('finalizeCall', input);
    },
    async summarizeHistoryIfNeeded(input: Parameters<Activities['summarizeHistoryIfNeeded']>[0]) {
      calls.record('summarizeHistoryIfNeeded', input);
      return { summarized: 0 };
    },
  } satisfies Partial<Activities>;

  beforeAll(async () => {
    worker = await startStubbedWorker(stubs);
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
    const streamStarted = () =>
      handle.signal(streamStartedSignal, {
        callSid,
        accountSid: TEST_ACCOUNT_SID,
        streamSid: `MZ${callSid.slice(2)}`,
        customerId: 'customer-caller',
        remote: CALLER,
        local: AGENT_NUMBER,
        direction: 'inbound',
        at: new Date().toISOString(),
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

  it('closes an answered call whose stream never ends after the abandonment limit and one grace period', async () => {
    const call = await startCall({ abandonedAfter: '1.5 seconds', statusGrace: '500 milliseconds' });
    const startedAt = Date.now();
    await call.status('in-progress');
    await call.streamStarted();
    // No final status, no stream end: today's rules call it completed (it was answered and streaming).
    expect(await call.handle.result()).toEqual({ outcome: 'completed', turns: 0 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const [finalized] = call.finalized();
    expect(finalized).toMatchObject({ outcome: 'completed', status: { status: 'in-progress' } });
    expect(finalized?.ended).toBeUndefined();
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

    const runs = calls
      .of(call.workflowId, 'runVoiceTool')
      .map((c) => c.input as { request: ToolRequestPayload; remote: string });
    expect(runs.map((r) => toolCallIdOf(r.request))).toEqual(['toolu_sms', 'toolu_end']);
    expect(runs[0]?.remote).toBe(CALLER);

    await call.streamEnded('stop');
    await call.status('completed');
    // A successful end_call is the outcome, over the plain completed status.
    expect(await call.handle.result()).toEqual({ outcome: 'agent_ended', turns: 0 });
  });
});
