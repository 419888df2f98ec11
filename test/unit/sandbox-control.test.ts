import { loadConfig, missingCredentials } from '../../src/config/load';
import {
  fetchSandboxStatus,
  holdCallerScript,
  releaseCallerScript,
  SANDBOX_TOKEN_HEADER,
  SandboxControlError,
  startSandboxControl,
  type SandboxControlServer,
  type SandboxStatus,
} from '../../devstack/sandbox-control';

describe('dev sandbox control endpoint', () => {
  const token = 'sandbox-token-0123456789abcdef';
  const status: SandboxStatus = {
    emulated: ['twilio', 'assemblyai'],
    timings: { sttFinalizationMs: 150, llmFirstTokenMs: 350, llmTokensPerSecond: 80, ttsFirstByteMs: 150 },
  };
  let server: SandboxControlServer;
  let scripts: string[][];
  let clock: number;

  beforeEach(async () => {
    scripts = [];
    clock = 1_000_000;
    server = await startSandboxControl({
      token,
      status: () => status,
      target: { replace: (u) => scripts.push([...u]) },
      leaseMs: 60_000,
      now: () => clock,
    });
  });

  afterEach(async () => {
    await server.stop();
  });

  const access = () => ({ url: server.url, token });

  it('listens on loopback and answers only with the token', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await fetchSandboxStatus(access())).toEqual(status);
    expect((await fetch(`${server.url}/status`)).status).toBe(401);
    expect((await fetch(`${server.url}/status`, { headers: { [SANDBOX_TOKEN_HEADER]: 'wrong' } })).status).toBe(401);
    await expect(fetchSandboxStatus({ url: server.url, token: 'x'.repeat(token.length) })).rejects.toThrow(
      SandboxControlError,
    );
  });

  it('gives the script to one call at a time, and clears it when that call lets go', async () => {
    await holdCallerScript(access(), 'call-a', ['Hello', 'Bye']);
    expect(scripts).toEqual([['Hello', 'Bye']]);
    const refused = holdCallerScript(access(), 'call-b', ['Other']);
    await expect(refused).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/another simulated call is in progress/) as unknown,
    });
    // The holder may replace its own script; a stranger's release changes nothing.
    await holdCallerScript(access(), 'call-a', ['Again']);
    await releaseCallerScript(access(), 'call-b');
    expect(scripts).toEqual([['Hello', 'Bye'], ['Again']]);
    await releaseCallerScript(access(), 'call-a');
    expect(scripts.at(-1)).toEqual([]);
    await holdCallerScript(access(), 'call-b', ['Other']);
    expect(scripts.at(-1)).toEqual(['Other']);
  });

  it('lets a lease lapse, so a crashed caller does not block the sandbox', async () => {
    await holdCallerScript(access(), 'crashed', ['Hello']);
    clock += 60_001;
    await holdCallerScript(access(), 'next', ['Hi']);
    expect(scripts.at(-1)).toEqual(['Hi']);
  });

  it('rejects malformed scripts', async () => {
    await expect(holdCallerScript(access(), 'a', [])).rejects.toMatchObject({ status: 400 });
    await expect(holdCallerScript(access(), 'a', ['ok', '  '])).rejects.toMatchObject({ status: 400 });
    await expect(holdCallerScript(access(), '', ['ok'])).rejects.toMatchObject({ status: 400 });
    const notJson = await fetch(`${server.url}/stt/script`, {
      method: 'PUT',
      headers: { [SANDBOX_TOKEN_HEADER]: token },
      body: 'nope',
    });
    expect(notJson.status).toBe(400);
    expect(scripts).toEqual([]);
  });
});

describe('sandboxed voice providers in the configuration', () => {
  it('accepts assemblyai and tts in BELUGA_SANDBOX and reports them as emulated', () => {
    const config = loadConfig({
      BELUGA_SANDBOX: 'twilio,anthropic,assemblyai,tts',
      ASSEMBLYAI_API_KEY: 'k',
      TTS_API_KEY: 'k',
    });
    expect(config.sandbox).toEqual(['twilio', 'anthropic', 'assemblyai', 'tts']);
    const missing = missingCredentials(config);
    expect(missing).toContain('ASSEMBLYAI_API_KEY (emulated locally by the dev stack: transcripts are scripted)');
    expect(missing).toContain(
      'TTS_API_KEY (or ELEVENLABS_API_KEY; emulated locally by the dev stack: synthetic audio)',
    );
  });

  it('reports nothing for real voice credentials', () => {
    const missing = missingCredentials(loadConfig({ ASSEMBLYAI_API_KEY: 'k', TTS_API_KEY: 'k' }));
    expect(missing.some((m) => m.startsWith('ASSEMBLYAI') || m.startsWith('TTS'))).toBe(false);
  });
});
