import WebSocket from 'ws';
import { MediaStreamsCaller, MediaStreamsConnectError } from '../../devstack/emulators/media-streams';
import { signTwilioRequest } from '../../devstack/emulators/twilio';
import { CallStore } from '../../src/voice/call-store';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, connectCall, streamParameters } from '../harness/voice';

const GREETING = 'Hello from Beluga.';
/** The URL Twilio was told to open, and so the one it signs. */
const SIGNED_STREAM_URL = `${PUBLIC_URL.replace(/^https/, 'wss')}/twilio/media-stream`;

const phonePrefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

let callCounter = 0;
function newCallSid(): string {
  callCounter++;
  return `CA${Date.now().toString(16).padStart(16, '0')}${String(callCounter).padStart(16, '0')}`;
}

describe('media stream authentication', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING }, { voice: true });
  });

  afterAll(async () => {
    await system?.stop();
  });

  /** The voice webhook's answer for a call: its `<Parameter>`s, token included. */
  async function answer(callSid: string, from: string): Promise<Record<string, string>> {
    const response = await system.webhook('/twilio/voice/incoming', {
      CallSid: callSid,
      AccountSid: TEST_ACCOUNT_SID,
      From: from,
      To: AGENT_NUMBER,
      Direction: 'inbound',
      CallStatus: 'ringing',
      ApiVersion: '2010-04-01',
    });
    expect(response.status).toBe(200);
    return streamParameters(response.body).parameters;
  }

  function stream(callSid: string, customParameters: Record<string, string>, headers?: Record<string, string>) {
    return MediaStreamsCaller.connect(system.mediaStreamUrl, {
      accountSid: TEST_ACCOUNT_SID,
      callSid,
      customParameters,
      ...(headers ? { headers } : {}),
    });
  }

  async function expectRefused(caller: MediaStreamsCaller): Promise<void> {
    const closed = await caller.closed;
    expect(closed.code).toBe(1008);
    expect(caller.media).toHaveLength(0);
  }

  it('refuses a replayed token and a second stream for a call already streaming', async () => {
    const call = await connectCall(system, { remote: uniquePhone() });
    expect((await agentTurn(system, call.callSid, 0)).text).toBe(GREETING);

    // The same token again, while the call streams.
    await expectRefused(await stream(call.callSid, call.parameters));
    // A fresh, valid token for the same call (the webhook asked again): still one stream per call.
    await expectRefused(await stream(call.callSid, await answer(call.callSid, call.caller.from!)));
    expect(call.caller.isOpen).toBe(true);

    await call.caller.hangup();
    // Nor once the first stream has ended.
    await expectRefused(await stream(call.callSid, call.parameters));
  });

  it('refuses a start whose parameters claim another customer than the token', async () => {
    const callSid = newCallSid();
    const remote = uniquePhone();
    const parameters = await answer(callSid, remote);
    expect(parameters.customerId).toBeTruthy();
    await expectRefused(await stream(callSid, { ...parameters, customerId: 'cus_someone_else' }));
    await expectRefused(await stream(callSid, { ...parameters, from: '+15005550199' }));

    // The genuine stream still opens, and the session's customer is the token's.
    const caller = await stream(callSid, parameters);
    expect((await agentTurn(system, callSid, 0)).text).toBe(GREETING);
    expect((await new CallStore(system.db).get(callSid))?.customerId).toBe(parameters.customerId);
    await caller.hangup();
  });

  it('closes a socket that never sends start within about a second', async () => {
    const socket = new WebSocket(system.mediaStreamUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const opened = Date.now();
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    const elapsed = Date.now() - opened;
    expect(code).toBe(1008);
    expect(elapsed).toBeGreaterThanOrEqual(800);
    expect(elapsed).toBeLessThan(2000);
  });

  it('answers 403 to an upgrade with a bad X-Twilio-Signature and accepts a correctly signed one', async () => {
    const remote = uniquePhone();
    const callSid = newCallSid();
    const parameters = await answer(callSid, remote);

    const forged = signTwilioRequest('not-the-auth-token', SIGNED_STREAM_URL);
    const refused = await stream(callSid, parameters, { 'X-Twilio-Signature': forged }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(MediaStreamsConnectError);
    expect((refused as MediaStreamsConnectError).statusCode).toBe(403);

    const signed = signTwilioRequest(TEST_AUTH_TOKEN, SIGNED_STREAM_URL);
    const caller = await stream(callSid, parameters, { 'X-Twilio-Signature': signed });
    expect((await agentTurn(system, callSid, 0)).text).toBe(GREETING);
    await caller.hangup();
  });

  it('refuses new upgrades with 503 beyond 64 unauthenticated connections', async () => {
    const statusOf = (socket: WebSocket) =>
      new Promise<number>((resolve) => {
        socket.once('open', () => resolve(101));
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => resolve(0));
      });
    const idle = Array.from({ length: 64 }, () => new WebSocket(system.mediaStreamUrl));
    expect(await Promise.all(idle.map(statusOf))).toEqual(idle.map(() => 101));
    const oneTooMany = new WebSocket(system.mediaStreamUrl);
    expect(await statusOf(oneTooMany)).toBe(503);

    // The idle ones are closed within the second, and with them their slots.
    await Promise.all(idle.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    const later = new WebSocket(system.mediaStreamUrl);
    expect(await statusOf(later)).toBe(101);
    later.close();
  });
});
