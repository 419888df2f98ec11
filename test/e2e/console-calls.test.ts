import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { lastUserText, textReply, toolUseReply } from '../../devstack/emulators/anthropic';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { createLogger } from '../../src/observability/logger';
import { callRoutes } from '../../src/gateway/call-routes';
import type { Principal } from '../../src/gateway/principal';
import type { CallDetail, CallList } from '../../src/gateway/api-types';
import { CallStore } from '../../src/voice/call-store';
import { MessageStore } from '../../src/memory/message-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import {
  AGENT_NUMBER,
  SECOND_ACCOUNT_SID,
  SECOND_AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

// The calls helper's numbers (+1555024xxxx), unique per run within it.
const prefix = `+1555024${String(Math.floor(Math.random() * 1_000)).padStart(3, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(1, '0')}`;
const sid = (p: string) => `${p}${randomBytes(16).toString('hex')}`;

describe('operator console: calls list, call page, recording playback', () => {
  let system: TestSystem;
  let store: CallStore;

  beforeAll(async () => {
    system = await startTestSystem(
      { VOICE_RECORD: 'true', TEMPORAL_UI_URL: 'http://localhost:8233' },
      { voice: true, secondAccount: true },
    );
    system.tts.setTiming({ msPerChar: 25 });
    store = new CallStore(system.db);
  });

  afterAll(async () => {
    await system?.stop();
  });

  /** A finished call written as its workflow writes it (the list reads the stored records). */
  async function storedCall(call: {
    accountSid?: string;
    remote: string;
    local?: string;
    agentId?: string;
    outcome?: 'completed' | 'dropped';
    startedAt: Date;
  }): Promise<string> {
    const callSid = sid('CA');
    const accountSid = call.accountSid ?? TEST_ACCOUNT_SID;
    await store.start({
      callSid,
      accountSid,
      streamSid: sid('MZ'),
      customerId: 'cus_0123456789abcdef0123',
      remote: call.remote,
      local: call.local ?? AGENT_NUMBER,
      direction: 'inbound',
      at: call.startedAt.toISOString(),
      agentId: call.agentId ?? 'default',
      agentVersion: 1,
    });
    await store.addTurn(callSid, undefined, {
      turnId: 0,
      role: 'agent',
      text: 'Hello.',
      at: call.startedAt.toISOString(),
    });
    if (call.outcome)
      await store.finish({
        callSid,
        accountSid,
        outcome: call.outcome,
        dtmf: [],
        startedAt: call.startedAt.toISOString(),
        status: { status: 'completed', at: call.startedAt.toISOString(), durationSeconds: 12 },
      });
    return callSid;
  }

  const list = async (query: string) => {
    const answer = await system.api('GET', `/calls?${query}`);
    expect(answer.status).toBe(200);
    return answer.json as unknown as CallList;
  };

  it('lists calls newest first with filters (account, agent, number either end, outcome, dates) and cursor paging', async () => {
    const remote = uniquePhone();
    const base = Date.parse('2026-03-10T12:00:00Z');
    const sids: string[] = [];
    for (let i = 0; i < 5; i++)
      sids.push(
        await storedCall({
          remote,
          startedAt: new Date(base + i * 60_000),
          outcome: i === 2 ? 'dropped' : 'completed',
          agentId: i === 4 ? 'sales' : 'default',
        }),
      );
    const otherDay = await storedCall({ remote, startedAt: new Date(base + 2 * 86_400_000), outcome: 'completed' });
    const secondAccount = await storedCall({
      accountSid: SECOND_ACCOUNT_SID,
      remote,
      local: SECOND_AGENT_NUMBER,
      startedAt: new Date(base + 30_000),
      outcome: 'completed',
    });
    const live = await storedCall({ remote, startedAt: new Date(base + 3 * 86_400_000) });

    const all = await list(`number=${encodeURIComponent(remote)}&limit=100`);
    expect(all.calls.map((c) => c.callSid)).toEqual([
      live,
      otherDay,
      ...[...sids].reverse().slice(0, 4),
      secondAccount,
      sids[0],
    ]);
    expect(all.nextCursor).toBeUndefined();
    expect(all.calls[0]).toMatchObject({ callSid: live, live: true, turnCount: 1 });
    expect(all.calls[1]).toMatchObject({
      callSid: otherDay,
      live: false,
      outcome: 'completed',
      durationSeconds: 12,
      remote,
      local: AGENT_NUMBER,
      accountSid: TEST_ACCOUNT_SID,
      agentId: 'default',
      turnCount: 1,
    });

    // Our number matches too (the other end of the call), within an account.
    const byLocal = await list(
      `number=${encodeURIComponent(SECOND_AGENT_NUMBER)}&accountSid=${SECOND_ACCOUNT_SID}&limit=100`,
    );
    expect(byLocal.calls.map((c) => c.callSid)).toContain(secondAccount);
    expect(byLocal.calls.every((c) => c.accountSid === SECOND_ACCOUNT_SID)).toBe(true);
    const firstAccount = await list(`number=${encodeURIComponent(remote)}&accountSid=${TEST_ACCOUNT_SID}&limit=100`);
    expect(firstAccount.calls.map((c) => c.callSid)).not.toContain(secondAccount);
    expect(firstAccount.calls).toHaveLength(7);

    expect((await list(`number=${encodeURIComponent(remote)}&outcome=dropped`)).calls.map((c) => c.callSid)).toEqual([
      sids[2],
    ]);
    expect((await list(`number=${encodeURIComponent(remote)}&agentId=sales`)).calls.map((c) => c.callSid)).toEqual([
      sids[4],
    ]);
    // A day counts whole; a date-time bound is exact.
    const day = await list(`number=${encodeURIComponent(remote)}&from=2026-03-10&to=2026-03-10&limit=100`);
    expect(day.calls.map((c) => c.callSid).sort()).toEqual([...sids, secondAccount].sort());
    const window = await list(
      `number=${encodeURIComponent(remote)}&from=2026-03-10T12:01:00Z&to=2026-03-10T12:03:00Z&accountSid=${TEST_ACCOUNT_SID}`,
    );
    expect(window.calls.map((c) => c.callSid)).toEqual([sids[2], sids[1]]);

    // Pages of 3 walk the same order, nothing twice, nothing missed.
    const walked: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(
        `number=${encodeURIComponent(remote)}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.calls.length).toBeLessThanOrEqual(3);
      walked.push(...page.calls.map((c) => c.callSid));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(walked).toEqual(all.calls.map((c) => c.callSid));
    expect(pages).toBe(3);
  });

  it('answers bad filters with 400 naming the field', async () => {
    const issues = async (query: string) => {
      const answer = await system.api('GET', `/calls?${query}`);
      expect(answer.status).toBe(400);
      return answer.json;
    };
    const path = (json: Record<string, unknown>) => (json.issues as Array<{ path: string }>).map((i) => i.path);
    expect(path(await issues('outcome=exploded'))).toEqual(['outcome']);
    expect(path(await issues('from=yesterday'))).toEqual(['from']);
    expect(path(await issues('limit=0'))).toEqual(['limit']);
    expect(path(await issues('accountSid=AC123'))).toEqual(['accountSid']);
    expect((await issues('cursor=bm9wZQ')).error).toMatch(/^cursor:/);
    expect((await issues('from=2026-03-10&to=2026-03-01')).error).toMatch(/^to:/);
    expect((await issues(`accountSid=AC${'9'.repeat(32)}`)).error).toMatch(/^accountSid:/);
    expect((await system.api('GET', '/calls/not-a-call')).status).toBe(400);
    expect((await system.api('GET', `/calls/${sid('CA')}`)).status).toBe(404);
  });

  it('shows a finished call: transcript, the tool calls with their results, the recording playable through the gateway, the workflow link', async () => {
    const remote = uniquePhone();
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      // After the lookup the last user message is its result (the customer's addresses).
      if (said.includes(`phone:${remote}`)) return textReply('Thanks, I have your file.');
      if (/on file for me/.test(said)) return toolUseReply('lookup_customer', {}, { text: 'Let me see.' });
      return textReply('Okay.');
    });
    system.stt.script(['What do you have on file for me?']);
    const rest = createTwilioClient({ ...system.config.get().twilio.accounts[0]!, timeoutMs: 5000 });
    const callSid = (await rest.calls.create({ to: AGENT_NUMBER, from: remote, twiml: '<Response/>' })).sid;
    system.twilio.setCallStatus(callSid, 'in-progress');
    const call = await connectCall(system, { remote, callSid });
    await agentTurn(system, callSid, 0);
    await call.caller.say({ durationMs: 1000, seed: 2401 });
    await agentTurn(system, callSid, 1, 30_000);
    const recording = await eventually('the recording at Twilio', () => system.twilio.recordings({ callSid })[0]);
    await call.caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '7', SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
    system.twilio.completeRecording(recording.sid, 2);
    const callback = await system.webhook('/twilio/voice/recording', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: callSid,
      RecordingSid: recording.sid,
      RecordingStatus: 'completed',
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Recordings/${recording.sid}`,
      RecordingChannels: '2',
      RecordingSource: 'StartCallRecordingAPI',
      RecordingDuration: '2',
    });
    expect(callback.status).toBe(204);

    const detail = await eventually('the completed recording on the call page', async () => {
      const answer = await system.api('GET', `/calls/${callSid}`);
      const json = answer.json as unknown as CallDetail;
      return json.recordings?.[0]?.audioUrl ? json : undefined;
    });
    expect(detail).toMatchObject({
      callSid,
      accountSid: TEST_ACCOUNT_SID,
      remote,
      local: AGENT_NUMBER,
      outcome: 'completed',
      durationSeconds: 7,
      live: false,
      agentId: 'default',
      workflowId: `call-${callSid}`,
      workflowUrl: `http://localhost:8233/namespaces/default/workflows/call-${callSid}`,
      dtmf: [],
    });
    expect(detail.turnCount).toBe(detail.turns.length);
    expect(detail.toolCalls).toEqual([
      {
        turnId: 1,
        toolCallId: expect.any(String) as string,
        name: 'lookup_customer',
        input: {},
        result: expect.stringContaining(`phone:${remote}`) as string,
        ok: true,
        at: expect.any(String) as string,
      },
    ]);
    expect(detail.recordings[0]).toMatchObject({
      recordingSid: recording.sid,
      status: 'completed',
      durationSeconds: 2,
    });

    // The audio, fetched from Twilio with the account's credentials; seeking by Range works.
    const audio = await fetch(`${system.gatewayUrl}${detail.recordings[0]!.audioUrl}`, {
      headers: { 'x-api-key': 'test-operator-key-0123456789' },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/x-wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(bytes.length).toBe(46 + 2 * 8000 * 2);
    const part = await fetch(`${system.gatewayUrl}${detail.recordings[0]!.audioUrl}`, {
      headers: { 'x-api-key': 'test-operator-key-0123456789', range: 'bytes=0-3' },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString('ascii')).toBe('RIFF');
    // Without a key: nothing (the console's <audio> sends the session cookie).
    expect((await fetch(`${system.gatewayUrl}${detail.recordings[0]!.audioUrl}`)).status).toBe(401);
    // Another recording sid of this call: 404.
    expect((await system.api('GET', `/calls/${callSid}/recordings/${sid('RE')}/audio`)).status).toBe(404);
  }, 90_000);

  it("answers 404 for another account's call, its recording and in its list, to an operator of one account", async () => {
    const remote = uniquePhone();
    const mine = await storedCall({ remote, startedAt: new Date(), outcome: 'completed' });
    const theirs = await storedCall({
      accountSid: SECOND_ACCOUNT_SID,
      remote,
      local: SECOND_AGENT_NUMBER,
      startedAt: new Date(),
      outcome: 'completed',
    });
    // The real routes over the real stores, as an operator of the second account sees them.
    const operator: Principal = {
      kind: 'operator',
      operatorId: 'op_second',
      name: 'Second',
      role: 'agent',
      accounts: [SECOND_ACCOUNT_SID],
      via: 'key',
    };
    const app = express();
    app.use((_req, res, next) => {
      res.locals.principal = operator;
      next();
    });
    app.use(
      callRoutes({
        config: system.config,
        temporal: system.temporal,
        calls: store,
        messages: new MessageStore(system.db),
        log: createLogger('test', 'silent'),
      }),
    );
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/calls/${mine}`)).status).toBe(404);
      expect((await fetch(`${base}/calls/${mine}/recordings/${sid('RE')}/audio`)).status).toBe(404);
      expect((await fetch(`${base}/calls/${theirs}`)).status).toBe(200);
      const listed = (await (await fetch(`${base}/calls?number=${encodeURIComponent(remote)}`)).json()) as CallList;
      expect(listed.calls.map((c) => c.callSid)).toEqual([theirs]);
      // Naming an account it does not see: refused, naming the field.
      const refused = await fetch(`${base}/calls?accountSid=${TEST_ACCOUNT_SID}`);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/^accountSid:/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
