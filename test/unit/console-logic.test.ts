import type { AgentVersionView, CallTurn, LiveCall, TakeoverView } from '../../src/gateway/api-types';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from '../../console/src/api';
import { definitionFrom, formValues } from '../../console/src/agent-form';
import { applyLiveEvent, EMPTY_LIVE } from '../../console/src/live-feed';

/** The console's plain-TypeScript logic: the API client's contract, the live view's folding, the agent form. */
describe('console API client', () => {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  let answer: () => Response;
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    calls.length = 0;
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return answer();
    }) as typeof fetch;
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('sends cookies same-origin, JSON bodies, and the CSRF token on unsafe methods only', async () => {
    setCsrfToken('csrf-1');
    answer = () => json(200, { ok: true });
    await api('/api/calls', { query: { accountSid: 'AC1', empty: '', none: undefined, limit: 25 } });
    await api('/api/customers/cus_1/replies', { method: 'POST', body: { text: 'hi' } });
    await api('/api/customers/cus_1/takeover', { method: 'DELETE' });

    expect(calls[0]!.url).toBe('/api/calls?accountSid=AC1&limit=25');
    for (const call of calls) expect(call.init.credentials).toBe('same-origin');
    const headers = (i: number) => call(i).headers as Record<string, string>;
    const call = (i: number) => calls[i]!.init;
    expect(headers(0)['x-csrf-token']).toBeUndefined();
    expect(headers(1)['x-csrf-token']).toBe('csrf-1');
    expect(headers(1)['content-type']).toBe('application/json');
    expect(call(1).body).toBe('{"text":"hi"}');
    expect(headers(2)['x-csrf-token']).toBe('csrf-1');
  });

  it('sends FormData as is (multipart: the browser sets the boundary)', async () => {
    answer = () => json(202, { id: 'doc_1' });
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    await api('/api/knowledge-bases/kb_1/documents', { method: 'POST', body: form });
    expect(calls[0]!.init.body).toBe(form);
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBeUndefined();
  });

  it('turns a 400 into an ApiError with the field issues', async () => {
    answer = () =>
      json(400, {
        error: 'invalid agent',
        issues: [
          { path: 'model.name', message: 'required for an openai-compatible model' },
          { path: 'instructions', message: 'an agent needs instructions' },
        ],
      });
    const error = await api('/api/agents/a', { method: 'PUT', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toBe('invalid agent');
    expect(apiError.issuesOf('model')).toEqual(['required for an openai-compatible model']);
    expect(apiError.issuesOf('instructions')).toEqual(['an agent needs instructions']);
    expect(apiError.issuesOf('name')).toEqual([]);
  });

  it('calls the sign-in redirect on 401, except where the caller handles it (sign-in itself)', async () => {
    let redirected = 0;
    setUnauthorizedHandler(() => redirected++);
    answer = () => json(401, { error: 'session expired' });
    await expect(api('/api/calls')).rejects.toMatchObject({ status: 401, message: 'session expired' });
    expect(redirected).toBe(1);
    await expect(api('/api/session', { method: 'POST', body: {}, noRedirectOn401: true })).rejects.toMatchObject({
      status: 401,
    });
    expect(redirected).toBe(1);
  });

  it('names a network failure and a non-JSON error clearly', async () => {
    globalThis.fetch = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(api('/api/calls')).rejects.toMatchObject({ status: 0, message: /cannot be reached/ });
    globalThis.fetch = async () => new Response('<html>bad gateway</html>', { status: 502 });
    await expect(api('/api/calls')).rejects.toMatchObject({ status: 502, message: /^502/ });
  });
});

describe('console live view', () => {
  const turn = (turnId: number, role: 'caller' | 'agent', text: string): CallTurn => ({
    turnId,
    role,
    text,
    at: '2026-11-29T10:00:00Z',
  });
  const call: LiveCall = {
    callSid: 'CA1',
    accountSid: 'AC1',
    customerId: 'cus_1',
    remote: '+15550250001',
    local: '+15550250000',
    direction: 'inbound',
    startedAt: '2026-11-29T10:00:00Z',
    turns: [],
  };
  const waiting: TakeoverView = { customerId: 'cus_2', accountSid: 'AC1', state: 'waiting' };

  it('folds a call from start to end: current words, finished turns, hang-up', () => {
    let state = applyLiveEvent(EMPTY_LIVE, { type: 'snapshot', calls: [], waiting: [waiting], feed: 'on' });
    state = applyLiveEvent(state, { type: 'call.started', call });
    state = applyLiveEvent(state, {
      type: 'call.current',
      callSid: 'CA1',
      accountSid: 'AC1',
      current: { role: 'caller', text: 'I would' },
    });
    expect(state.calls[0]!.current?.text).toBe('I would');
    state = applyLiveEvent(state, {
      type: 'call.turn',
      callSid: 'CA1',
      accountSid: 'AC1',
      turn: turn(1, 'caller', 'I would like a table'),
    });
    expect(state.calls[0]!.turns.map((t) => t.text)).toEqual(['I would like a table']);
    expect(state.calls[0]!.current).toBeUndefined();
    // The same turn again (a reconnect's replay) replaces rather than duplicates.
    state = applyLiveEvent(state, {
      type: 'call.turn',
      callSid: 'CA1',
      accountSid: 'AC1',
      turn: turn(1, 'caller', 'I would like a table'),
    });
    expect(state.calls[0]!.turns).toHaveLength(1);
    state = applyLiveEvent(state, { type: 'call.ended', callSid: 'CA1', accountSid: 'AC1' });
    expect(state.calls).toEqual([]);
    expect(state.waiting).toEqual([waiting]);
  });

  it('keeps the waiting queue: a waiting takeover joins, one handed back or taken leaves', () => {
    let state = applyLiveEvent(EMPTY_LIVE, { type: 'takeover', takeover: waiting });
    expect(state.waiting).toHaveLength(1);
    state = applyLiveEvent(state, { type: 'takeover', takeover: { ...waiting, state: 'human' } });
    expect(state.waiting).toEqual([]);
  });
});

describe('console agent form', () => {
  const definition = {
    id: 'support',
    name: 'Support',
    instructions: 'Be kind',
    language: 'en',
    model: { provider: 'anthropic', maxTokens: 500 },
    voice: { provider: 'elevenlabs', voiceId: 'v1' },
    turnTaking: { minTurnSilenceMs: 300 },
    knowledge: ['kb_1'],
    maxCallMinutes: 30,
  } as unknown as AgentVersionView['definition'];

  it('writes the edited fields back and keeps what the form does not show', () => {
    const values = formValues(definition);
    expect(values.defaultTools).toBe(true);
    values.fields['greeting'] = '  Hello!  ';
    values.fields['voice.voiceId'] = '';
    values.fields['model.temperature'] = '0.5';
    values.fields['maxCallMinutes'] = 'ten';
    const out = definitionFrom(definition, values);
    expect(out).toMatchObject({
      greeting: 'Hello!',
      model: { provider: 'anthropic', maxTokens: 500, temperature: 0.5 },
      turnTaking: { minTurnSilenceMs: 300 },
      knowledge: ['kb_1'],
      // Not a number: sent as typed, so the API names the field.
      maxCallMinutes: 'ten',
    });
    expect(out).not.toHaveProperty('tools');
    expect(out.voice).toEqual({ provider: 'elevenlabs' });
    // The stored definition is not changed in place.
    expect((definition as { voice: { voiceId?: string } }).voice.voiceId).toBe('v1');
  });

  it('tells the default tools from none', () => {
    const values = { ...formValues(definition), defaultTools: false, tools: 'lookup_customer\nsend_sms, mcp:crm' };
    expect(definitionFrom(definition, values).tools).toEqual(['lookup_customer', 'send_sms', 'mcp:crm']);
    expect(definitionFrom(definition, { ...values, tools: '' }).tools).toEqual([]);
  });
});
