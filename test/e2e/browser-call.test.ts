import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import type { BrowserCallStart, CallDetail } from '../../src/gateway/api-types';
import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { eventually, type TestSystem } from '../harness/system';
import { startSandboxVoiceSystem, type SandboxVoiceSystem } from '../harness/sandbox-voice';
import { agentTurn } from '../harness/voice';
import { BrowserCallPage } from '../harness/browser-call-page';

const LONG_STORY = Array.from(
  { length: 12 },
  (_, i) => `Part ${i + 1} of the story goes on for a good while before anything happens.`,
).join(' ');

/**
 * A call to an agent from the console, driven at protocol level as the page drives it: the gateway's
 * socket bridges into the same media-stream loop a Twilio call uses; in the sandbox the simulated
 * caller says the lines the operator types.
 */
describe('browser call from the console', () => {
  let system: TestSystem;
  let sandbox: SandboxVoiceSystem | undefined;

  beforeAll(async () => {
    sandbox = await startSandboxVoiceSystem();
    system = sandbox.system;
    system.tts.setTiming({ msPerChar: 25 });
    system.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/long story/i.test(said)) return textReply(LONG_STORY);
      if (/hello there/i.test(said)) return textReply('Hi from the agent in your browser.');
      return textReply('Okay.');
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const socketUrl = (start: BrowserCallStart) => `${system.gatewayUrl.replace(/^http/, 'ws')}${start.socketPath}`;

  async function startCall(): Promise<BrowserCallStart> {
    const answer = await system.api('POST', '/browser-calls', { agentId: 'default' });
    expect(answer.status).toBe(201);
    return answer.json as unknown as BrowserCallStart;
  }

  async function say(start: BrowserCallStart, text: string): Promise<void> {
    const answer = await system.api('POST', start.sayPath!.replace(/^\/api/, ''), { text });
    expect(answer.status).toBe(202);
  }

  it('talks to the agent: greeting, a scripted line answered with audio and marks, barge-in clears, hang-up completes the call', async () => {
    const start = await startCall();
    expect(start.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(start.socketPath).toMatch(/^\/console\/call-stream\?ticket=[A-Za-z0-9_-]{43}$/);
    expect(start).toMatchObject({ sandbox: true, sayPath: `/api/browser-calls/${start.callSid}/say` });
    const page = await BrowserCallPage.open(socketUrl(start));
    const openedAt = Date.now();

    // The greeting plays, and its marks come back as it does.
    const greeting = await agentTurn(system, start.callSid, 0, 30_000);
    expect(greeting.text).toBe(system.config.get().voice.greeting);
    expect(page.mediaFrames).toBeGreaterThan(0);
    expect(page.marks).toBeGreaterThan(0);

    // A typed line: the simulated caller says it, the agent answers it, the page hears it.
    const before = page.mediaBytes;
    await say(start, 'Hello there');
    const reply = await agentTurn(system, start.callSid, 1, 30_000);
    expect(reply.text).toBe('Hi from the agent in your browser.');
    expect(page.mediaBytes).toBeGreaterThan(before);
    const calls = new CallStore(system.db);
    expect((await calls.get(start.callSid))?.turns.find((t) => t.role === 'caller' && t.turnId === 1)?.text).toBe(
      'Hello there.',
    );

    // Barge-in: the caller talks over the long answer; the page's buffer is cleared.
    await say(start, 'Tell me a long story');
    await eventually('the long answer playing', () => page.buffered > 8_000, 30_000);
    page.talk(800, 2402);
    await eventually('a clear', () => page.clears > 0, 15_000);
    const cut = await agentTurn(system, start.callSid, 2, 30_000);
    expect(cut.interrupted).toBe(true);
    expect(cut.text.length).toBeLessThan(LONG_STORY.length);

    await page.hangUp();
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(start.callSid)).result();
    const answer = await system.api('GET', `/calls/${start.callSid}`);
    expect(answer.status).toBe(200);
    const detail = answer.json as unknown as CallDetail;
    expect(detail).toMatchObject({
      callSid: start.callSid,
      outcome: 'completed',
      finalStatus: 'completed',
      endReason: 'stop',
      direction: 'browser',
      browser: true,
      remote: 'browser:root',
      agentId: 'default',
      live: false,
    });
    expect(detail.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(detail.durationSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - openedAt) / 1000) + 1);
    // The list shows it as a browser call.
    const listed = await system.api('GET', `/calls?number=${encodeURIComponent('browser:root')}`);
    expect((listed.json.calls as Array<{ callSid: string; browser?: boolean }>)[0]).toMatchObject({
      callSid: start.callSid,
      browser: true,
    });
  }, 150_000);

  it('refuses a reused, an expired and an unknown ticket', async () => {
    const used = await startCall();
    const page = await BrowserCallPage.open(socketUrl(used));
    await expect(BrowserCallPage.open(socketUrl(used))).rejects.toThrow('refused: HTTP 403');
    await page.hangUp();

    const expired = await startCall();
    await system.db
      .collection('browser_call_tickets')
      .updateMany({ callSid: expired.callSid }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(BrowserCallPage.open(socketUrl(expired))).rejects.toThrow('refused: HTTP 403');
    await expect(
      BrowserCallPage.open(`${system.gatewayUrl.replace(/^http/, 'ws')}/console/call-stream?ticket=${'x'.repeat(43)}`),
    ).rejects.toThrow('refused: HTTP 403');
  });

  it('answers bad requests with 400 naming the field, and 404 for a call it does not hold', async () => {
    const missing = await system.api('POST', '/browser-calls', {});
    expect(missing.status).toBe(400);
    expect((missing.json.issues as Array<{ path: string }>)[0]?.path).toBe('agentId');
    const unknown = await system.api('POST', '/browser-calls', { agentId: 'no-such-agent' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^agentId:/);
    const account = await system.api('POST', '/browser-calls', { agentId: 'default', accountSid: 'AC1' });
    expect((account.json.issues as Array<{ path: string }>)[0]?.path).toBe('accountSid');
    const gone = await system.api('POST', `/browser-calls/CA${'0'.repeat(32)}/say`, { text: 'Hi' });
    expect(gone.status).toBe(404);
    const start = await startCall();
    const empty = await system.api('POST', `/browser-calls/${start.callSid}/say`, { text: '  ' });
    expect(empty.status).toBe(400);
    expect((empty.json.issues as Array<{ path: string }>)[0]?.path).toBe('text');
  });
});
