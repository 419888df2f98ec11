/**
 * Agents as configuration on the real stack: two numbers of one account answered by two agents
 * (their own prompt, voice, turn-taking and tools, over calls and texts), switched on and off by a
 * file edit and by the operator API without touching calls in progress, versions that calls pin,
 * a dry run, and handoffs between agents on a call and by SMS.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { textReply, toolUseReply, lastUserText, conversationText } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { IdentityStore } from '../../src/customers/identity-store';
import { EventLog } from '../../src/events/event-log';
import { MessageStore } from '../../src/memory/message-store';
import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { customerWorkflowId } from '../../workflows/customer/contract';
import { maybeRecordHistory } from '../harness/history-fixtures';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall, streamParameters, type LiveCall } from '../harness/voice';

const SALES = AGENT_NUMBER;
const SUPPORT = '+15005550008';
const SALES_GREETING = 'Hi, Beluga sales here.';
const SUPPORT_GREETING = 'Beluga support, hello.';

const phonePrefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

type Line = { address: string; agent?: string; voice?: Record<string, unknown>; messaging?: Record<string, unknown> };

/** The config file: two agents, each on its own number of the test account. */
function configFile(
  lines: Line[] = [
    { address: SALES, agent: 'sales' },
    { address: SUPPORT, agent: 'support' },
  ],
) {
  return {
    agents: [
      {
        id: 'sales',
        name: 'Sales',
        instructions: 'You are Sales at Beluga, speaking on {{channel}}.',
        greeting: SALES_GREETING,
        voice: { voiceId: 'voice-sales', speed: 1.1 },
        turnTaking: { minTurnSilenceMs: 300, endOfTurnConfidence: 0.6 },
        tools: ['end_call', 'handoff_to_agent'],
      },
      {
        id: 'support',
        name: 'Support',
        instructions: 'You are Support at Beluga, speaking on {{channel}}.',
        greeting: SUPPORT_GREETING,
        language: 'es',
        voice: { voiceId: 'voice-support' },
        tools: ['send_sms', 'end_call', 'handoff_to_agent'],
      },
    ],
    twilio: { accounts: [{ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, lines }] },
  };
}

function systemText(request: RecordedRequest): string {
  const { system } = request;
  if (system === undefined) return '';
  return typeof system === 'string' ? system : system.map((b) => b.text ?? '').join('');
}

/** Which agent a model request was for, by its system prompt. */
function agentOf(request: RecordedRequest): string {
  return /^You are (\w+)/.exec(systemText(request))?.[1] ?? 'unknown';
}

const toolNames = (request: RecordedRequest) => (request.tools ?? []).map((t) => t.name);

/** The agent and version a call was answered with, from the stream token the gateway signed. */
function pinnedAgent(twiml: string): { agentId?: string; agentVersion?: number } {
  const { token } = streamParameters(twiml).parameters;
  return JSON.parse(Buffer.from(token!.split('.')[0]!, 'base64url').toString('utf8')) as {
    agentId?: string;
    agentVersion?: number;
  };
}

describe('agents as configuration', () => {
  let system: TestSystem;

  /** Each agent says who it is unless a test scripts otherwise. */
  const answerAsYourself = (request: RecordedRequest) => textReply(`${agentOf(request)} here.`);

  beforeAll(async () => {
    system = await startTestSystem({}, { voice: true, configFile: configFile() });
    system.tts.setTiming({ msPerChar: 20 });
  });
  afterEach(() => system.anthropic.setResponder(answerAsYourself));
  afterAll(async () => {
    await system?.stop();
  });

  function editConfig(content: unknown): Error | undefined {
    fs.writeFileSync(system.configFile!, JSON.stringify(content));
    return system.config.reload();
  }

  /** Twilio asks what to do with a new call to `local`; answers the TwiML (no stream is opened). */
  async function incoming(local: string): Promise<string> {
    const answer = await system.webhook('/twilio/voice/incoming', {
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      AccountSid: TEST_ACCOUNT_SID,
      From: uniquePhone(),
      To: local,
      Direction: 'inbound',
      CallStatus: 'ringing',
      ApiVersion: '2010-04-01',
    });
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function finish(call: LiveCall) {
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
    return (await new CallStore(system.db).get(call.callSid))!;
  }

  /** The voice a sentence was synthesized with (the newest synthesis of it from index `from` on). */
  const voiceOf = (text: string, from = 0) => {
    const request = system.tts.requests.filter((r) => r.index >= from && r.text === text).at(-1);
    return request && { voiceId: request.voiceId, settings: request.voiceSettings };
  };

  async function text(from: string, to: string, body: string) {
    const response = await system.webhook('/twilio/messaging/inbound', inboundSms(from, body, { To: to }));
    expect(response.status).toBe(200);
  }

  it('two numbers, two agents: each call and each text gets its own agent, prompt, tools, voice and turn-taking', async () => {
    system.anthropic.setResponder(answerAsYourself);
    const [sales, support] = await Promise.all([
      connectCall(system, { remote: uniquePhone(), local: SALES }),
      connectCall(system, { remote: uniquePhone(), local: SUPPORT }),
    ]);
    expect(pinnedAgent(sales.twiml)).toMatchObject({ agentId: 'sales', agentVersion: 1 });
    expect((await agentTurn(system, sales.callSid, 0)).text).toBe(SALES_GREETING);
    expect((await agentTurn(system, support.callSid, 0)).text).toBe(SUPPORT_GREETING);
    await Promise.all([
      sales.caller.say({ durationMs: 900, seed: 1 }),
      support.caller.say({ durationMs: 900, seed: 2 }),
    ]);
    expect((await agentTurn(system, sales.callSid, 1)).text).toBe('Sales here.');
    expect((await agentTurn(system, support.callSid, 1)).text).toBe('Support here.');

    // The model saw each agent's instructions (on the voice channel) and only that agent's tools.
    const salesAsked = system.anthropic.requests.find((r) => agentOf(r) === 'Sales')!;
    expect(systemText(salesAsked)).toContain('You are Sales at Beluga, speaking on voice.');
    expect(toolNames(salesAsked)).toEqual(expect.arrayContaining(['end_call', 'handoff_to_agent']));
    expect(toolNames(salesAsked)).not.toContain('send_sms');
    const supportAsked = system.anthropic.requests.find((r) => agentOf(r) === 'Support')!;
    // Support speaks Spanish: the model is told, the TTS is asked for it, the STT listens multilingual.
    expect(systemText(supportAsked)).toContain('Always answer in Spanish (es)');
    expect(systemText(salesAsked)).not.toContain('Always answer in');
    expect(system.tts.requests.find((r) => r.text === SUPPORT_GREETING)?.languageCode).toBe('es');
    expect(system.tts.requests.find((r) => r.text === SALES_GREETING)?.languageCode).toBeUndefined();
    expect(toolNames(supportAsked)).toEqual(expect.arrayContaining(['send_sms', 'end_call', 'handoff_to_agent']));
    // The TTS spoke each agent in its own voice (and speed).
    expect(voiceOf(SALES_GREETING)).toEqual({ voiceId: 'voice-sales', settings: { speed: 1.1 } });
    expect(voiceOf('Sales here.')).toEqual({ voiceId: 'voice-sales', settings: { speed: 1.1 } });
    expect(voiceOf(SUPPORT_GREETING)).toEqual({ voiceId: 'voice-support', settings: undefined });
    expect(voiceOf('Support here.')).toEqual({ voiceId: 'voice-support', settings: undefined });
    // Sales' turn-taking reached AssemblyAI; support kept the deployment's.
    const queries = system.stt.sessions.map((s) => s.query);
    expect(queries).toContainEqual(
      expect.objectContaining({ min_turn_silence: '300', end_of_turn_confidence_threshold: '0.6' }),
    );
    expect(queries).toContainEqual(
      expect.objectContaining({ min_turn_silence: '200', speech_model: 'universal-streaming-multilingual' }),
    );
    expect(queries).toContainEqual(
      expect.objectContaining({ min_turn_silence: '300', speech_model: 'universal-streaming-english' }),
    );

    const [salesRecord, supportRecord] = await Promise.all([finish(sales), finish(support)]);
    expect(salesRecord).toMatchObject({
      agentId: 'sales',
      agentVersion: 1,
      agents: [{ agentId: 'sales', version: 1 }],
    });
    expect(supportRecord).toMatchObject({ agentId: 'support', agentVersion: 1 });
    expect(salesRecord.turns.find((t) => t.role === 'agent' && t.turnId === 1)?.agentId).toBe('sales');
    const ended = (await new EventLog(system.db).list({ type: 'call.ended' }, 500)).find(
      (e) => e.data.callSid === sales.callSid,
    );
    expect(ended?.data).toMatchObject({ agentId: 'sales', agentVersion: 1 });

    // A text to each number: that number's agent answers, from that number.
    const texter = uniquePhone();
    await text(texter, SALES, 'Hello sales');
    await eventually('the sales reply', () => system.twilio.sentMessages({ to: texter }).length === 1, 30_000);
    await text(texter, SUPPORT, 'Hello support');
    await eventually('the support reply', () => system.twilio.sentMessages({ to: texter }).length === 2, 30_000);
    expect(system.twilio.sentMessages({ to: texter }).map((m) => [m.from, m.body])).toEqual([
      [SALES, 'Sales here.'],
      [SUPPORT, 'Support here.'],
    ]);
    const asked = system.anthropic.requests.find((r) => lastUserText(r) === 'Hello sales')!;
    expect(systemText(asked)).toContain('You are Sales at Beluga, speaking on sms.');
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, texter))!;
    const history = await new MessageStore(system.db).recent(customerId, 10);
    expect(history.filter((m) => m.direction === 'outbound').map((m) => m.agentId)).toEqual(['sales', 'support']);
  });

  it('voice switched off for a number (file edit, then the API): the call on it carries on, the next call hears the message and is hung up', async () => {
    const live = await connectCall(system, { remote: uniquePhone(), local: SUPPORT });
    await agentTurn(system, live.callSid, 0);

    expect(
      editConfig(
        configFile([
          { address: SALES, agent: 'sales' },
          {
            address: SUPPORT,
            agent: 'support',
            voice: { enabled: false, disabledMessage: 'Support is closed today.' },
          },
        ]),
      ),
    ).toBeUndefined();
    const refused = await incoming(SUPPORT);
    expect(refused).toContain('<Say>Support is closed today.</Say><Hangup/>');
    expect(refused).not.toContain('<Connect');
    expect(await incoming(SALES)).toContain('<Connect ');
    await live.caller.say({ durationMs: 900, seed: 3 });
    expect((await agentTurn(system, live.callSid, 1)).text).toBe('Support here.');

    // On again in the file; off through the API (the operator's setting wins over the file's).
    expect(editConfig(configFile())).toBeUndefined();
    expect(await incoming(SUPPORT)).toContain('<Connect ');
    const off = await system.api('PUT', `/lines/${encodeURIComponent(SUPPORT)}`, {
      voice: { enabled: false, disabledMessage: 'Closed by the operator.' },
    });
    expect(off.status).toBe(200);
    expect(off.json.effective).toMatchObject({
      voice: { agentId: 'support', enabled: false, disabledMessage: 'Closed by the operator.' },
      messaging: { agentId: 'support', enabled: true },
    });
    expect(await incoming(SUPPORT)).toContain('<Say>Closed by the operator.</Say><Hangup/>');
    await live.caller.say({ durationMs: 900, seed: 4 });
    expect((await agentTurn(system, live.callSid, 2)).text).toBe('Support here.');
    expect((await system.api('GET', `/lines/${encodeURIComponent(SUPPORT)}`)).json.override).toEqual({
      voice: { enabled: false, disabledMessage: 'Closed by the operator.' },
    });
    expect((await system.api('PUT', `/lines/${encodeURIComponent(SUPPORT)}`, { voice: { enabled: 42 } })).status).toBe(
      400,
    );
    expect((await system.api('PUT', '/lines/12345', {})).status).toBe(400);

    expect((await system.api('DELETE', `/lines/${encodeURIComponent(SUPPORT)}`)).status).toBe(200);
    expect(await incoming(SUPPORT)).toContain('<Connect ');
    expect((await finish(live)).outcome).toBe('completed');
  });

  it('a config edit that breaks validation changes nothing: the previous agents keep answering', async () => {
    const before = system.config.get();
    const broken = configFile([{ address: SUPPORT, agent: 'ghost' }]);
    const error = editConfig(broken);
    expect(error?.message).toContain('twilio.accounts[0].lines[0].agent: no agent "ghost" in agents');
    expect(system.config.get()).toBe(before);
    expect(pinnedAgent(await incoming(SUPPORT))).toMatchObject({ agentId: 'support', agentVersion: 1 });
    const texter = uniquePhone();
    await text(texter, SUPPORT, 'Still there?');
    await eventually('the reply', () => system.twilio.sentMessages({ to: texter })[0], 30_000);
    expect(system.twilio.sentMessages({ to: texter })[0]!.body).toBe('Support here.');
    expect(editConfig(configFile())).toBeUndefined();
  });

  it('messaging switched off: the configured reply or none, and the message is still recorded', async () => {
    const line = `/lines/${encodeURIComponent(SALES)}`;
    const texter = uniquePhone();
    const put = await system.api('PUT', line, {
      messaging: { enabled: false, disabledReply: 'We answer texts on weekdays.' },
    });
    expect(put.json.effective).toMatchObject({ messaging: { enabled: false }, voice: { enabled: true } });
    // The orchestrator reads line settings with a one-second cache.
    await new Promise((r) => setTimeout(r, 1_100));
    await text(texter, SALES, 'Are you open on Sunday?');
    await eventually('the disabled reply', () => system.twilio.sentMessages({ to: texter })[0], 30_000);
    expect(system.twilio.sentMessages({ to: texter }).map((m) => m.body)).toEqual(['We answer texts on weekdays.']);

    await system.api('PUT', line, { messaging: { enabled: false } });
    await new Promise((r) => setTimeout(r, 1_100));
    await text(texter, SALES, 'Hello? Anyone?');
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, texter))!;
    const messages = new MessageStore(system.db);
    await eventually('both texts recorded', async () => (await messages.recent(customerId, 10)).length === 3);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(system.twilio.sentMessages({ to: texter })).toHaveLength(1);
    // The model was never asked.
    expect(system.anthropic.requests.filter((r) => /Sunday|Anyone/.test(lastUserText(r)))).toEqual([]);
    await system.api('DELETE', line);
  });

  it('agent API: versions 1 and 2; each call names the version that spoke; bad edits get 400 naming the field', async () => {
    const billing = (n: number) => ({
      name: 'Billing',
      instructions: `You are Billing v${n} at Beluga.`,
      greeting: `Billing, version ${n}.`,
      voice: { voiceId: 'voice-billing' },
    });
    const created = await system.api('PUT', '/agents/billing', billing(1));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ agentId: 'billing', version: 1, source: 'api', created: true });
    expect((await system.api('PUT', '/agents/billing', billing(1))).json).toMatchObject({ version: 1, created: false });
    const routed = await system.api('PUT', `/lines/${encodeURIComponent(SUPPORT)}`, { agent: 'billing' });
    expect(routed.json.effective).toMatchObject({ voice: { agentId: 'billing', agentVersion: 1 } });

    system.anthropic.setResponder((r) => textReply(`${agentOf(r)} ${/v(\d)/.exec(systemText(r))?.[1]} here.`));
    const first = await connectCall(system, { remote: uniquePhone(), local: SUPPORT });
    expect((await agentTurn(system, first.callSid, 0)).text).toBe('Billing, version 1.');
    const updated = await system.api('PUT', '/agents/billing', billing(2));
    expect(updated.json).toMatchObject({ version: 2, created: true });
    // The call in progress stays on version 1; the next call gets version 2.
    await first.caller.say({ durationMs: 900, seed: 5 });
    expect((await agentTurn(system, first.callSid, 1)).text).toBe('Billing 1 here.');
    const second = await connectCall(system, { remote: uniquePhone(), local: SUPPORT });
    expect((await agentTurn(system, second.callSid, 0)).text).toBe('Billing, version 2.');
    expect(voiceOf('Billing, version 2.')?.voiceId).toBe('voice-billing');
    const [one, two] = await Promise.all([finish(first), finish(second)]);
    expect([one.agentVersion, two.agentVersion]).toEqual([1, 2]);
    expect(one.agentId).toBe('billing');

    const versions = await system.api('GET', '/agents/billing/versions');
    expect((versions.json.versions as Array<{ version: number }>).map((v) => v.version)).toEqual([1, 2]);
    expect((await system.api('GET', '/agents/billing')).json).toMatchObject({
      version: 2,
      definition: { instructions: 'You are Billing v2 at Beluga.' },
    });
    expect((await system.api('GET', '/agents/billing/versions/1')).json).toMatchObject({
      definition: { greeting: 'Billing, version 1.' },
    });
    expect((await system.api('GET', '/agents/billing/versions/7')).status).toBe(404);
    const list = (await system.api('GET', '/agents')).json.agents as Array<{ agentId: string; version: number }>;
    expect(list.map((a) => a.agentId)).toEqual(['billing', 'default', 'sales', 'support']);

    const badTool = await system.api('PUT', '/agents/billing', { ...billing(3), tools: ['end_call', 'crm_lookup'] });
    expect(badTool.status).toBe(400);
    expect(badTool.json.issues).toEqual([
      { path: 'tools.1', message: '"crm_lookup" is neither a built-in tool nor in tools.http' },
    ]);
    const badName = await system.api('PUT', '/agents/billing', { ...billing(3), name: '', model: { temperature: 3 } });
    expect(badName.status).toBe(400);
    expect((badName.json.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual([
      'model.temperature',
      'name',
    ]);
    const badVar = await system.api('PUT', '/agents/billing', { ...billing(3), instructions: 'Hi {{nickname}}' });
    expect(badVar.json.issues).toEqual([expect.objectContaining({ path: 'instructions' })]);
    expect((await system.api('PUT', '/agents/billing', { ...billing(3), id: 'sales' })).json.issues).toEqual([
      expect.objectContaining({ path: 'id' }),
    ]);
    expect((await system.api('GET', '/agents/billing')).json.version).toBe(2);
    await system.api('DELETE', `/lines/${encodeURIComponent(SUPPORT)}`);
  });

  it('a dry run answers what the agent would say and which tools it would call, and does nothing', async () => {
    system.anthropic.setResponder((r) =>
      /address/.test(lastUserText(r))
        ? toolUseReply('send_sms', { message: '1 Harbour Street' }, { text: 'I will text you the address.' })
        : textReply('?'),
    );
    const texts = system.twilio.sentMessages().length;
    const stored = await system.db.collection('messages').countDocuments();
    const run = await system.api('POST', '/agents/support/test', {
      message: 'Can you send me your address?',
      channel: 'voice',
    });
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({
      agentId: 'support',
      version: 1,
      reply: 'I will text you the address.',
      toolCalls: [{ name: 'send_sms', input: { message: '1 Harbour Street' } }],
    });
    const asked = system.anthropic.requests.at(-1)!;
    expect(systemText(asked)).toContain('You are Support at Beluga, speaking on voice.');
    expect(toolNames(asked)).toContain('send_sms');
    await new Promise((r) => setTimeout(r, 500));
    expect(system.twilio.sentMessages()).toHaveLength(texts);
    expect(await system.db.collection('messages').countDocuments()).toBe(stored);
    expect((await system.api('POST', '/agents/nobody/test', { message: 'hi' })).status).toBe(404);
    expect((await system.api('POST', '/agents/support/test', {})).status).toBe(400);
  });

  it('handoff on a call: from the next turn the other agent speaks, in its voice and with its prompt; the transcript shows it', async () => {
    system.anthropic.setResponder((r) =>
      agentOf(r) === 'Sales' && /invoice/.test(lastUserText(r))
        ? toolUseReply(
            'handoff_to_agent',
            { agentId: 'support', reason: 'an invoice question' },
            {
              text: 'Let me pass you to Support.',
            },
          )
        : answerAsYourself(r),
    );
    system.stt.script(['I have a question about my invoice.', 'It is invoice 77.']);
    const call = await connectCall(system, { remote: uniquePhone(), local: SALES });
    await agentTurn(system, call.callSid, 0);
    await call.caller.say({ durationMs: 900, seed: 6 });
    expect((await agentTurn(system, call.callSid, 1)).text).toBe('Let me pass you to Support. (handed off to Support)');
    const ttsFrom = system.tts.requests.length;
    await call.caller.say({ durationMs: 900, seed: 7 });
    expect((await agentTurn(system, call.callSid, 2)).text).toBe('Support here.');
    expect(voiceOf('Support here.', ttsFrom)?.voiceId).toBe('voice-support');
    const asked = system.anthropic.requests.find((r) => lastUserText(r) === 'It is invoice 77.')!;
    expect(agentOf(asked)).toBe('Support');
    // The context came along: Support sees what was said to Sales.
    expect(conversationText(asked)).toContain('I have a question about my invoice.');
    expect(conversationText(asked)).toContain('Let me pass you to Support.');
    const record = await finish(call);
    maybeRecordHistory(callWorkflowId(call.callSid), 'call-workflow');
    expect(record.agents?.map((a) => [a.agentId, a.version])).toEqual([
      ['sales', 1],
      ['support', 1],
    ]);
    expect(record.turns.filter((t) => t.role === 'agent').map((t) => t.agentId)).toEqual(['sales', 'sales', 'support']);
  });

  it('handoff by SMS: the other agent answers this message and keeps the line for the next', async () => {
    system.anthropic.setResponder((r) =>
      agentOf(r) === 'Sales' && /invoice/.test(lastUserText(r))
        ? toolUseReply('handoff_to_agent', { agentId: 'support', reason: 'an invoice question' })
        : answerAsYourself(r),
    );
    const texter = uniquePhone();
    await text(texter, SALES, 'A question about my invoice');
    await eventually('the reply', () => system.twilio.sentMessages({ to: texter })[0], 30_000);
    await text(texter, SALES, 'And one more thing');
    await eventually('the second reply', () => system.twilio.sentMessages({ to: texter }).length === 2, 30_000);
    expect(system.twilio.sentMessages({ to: texter }).map((m) => [m.from, m.body])).toEqual([
      [SALES, 'Support here.'],
      [SALES, 'Support here.'],
    ]);
    const takeover = system.anthropic.requests.find(
      (r) => agentOf(r) === 'Support' && lastUserText(r) === 'A question about my invoice',
    )!;
    expect(systemText(takeover)).toContain('taken this conversation over from Sales (an invoice question)');
    const customerId = (await new IdentityStore(system.db).find(TEST_ACCOUNT_SID, texter))!;
    maybeRecordHistory(customerWorkflowId(customerId), 'customer-workflow');
    // The next message went straight to Support.
    expect(system.anthropic.requests.filter((r) => lastUserText(r) === 'And one more thing').map(agentOf)).toEqual([
      'Support',
    ]);
  });
});
