import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, missingCredentials } from '../../src/config/load';
import { ConfigStore } from '../../src/config/store';

const SID = 'AC' + 'c3'.repeat(16);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('starts with defaults and reports what credentials are missing', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.temporal.taskQueue).toBe('beluga-orchestrator');
    expect(missingCredentials(config)).toEqual(expect.arrayContaining(['ANTHROPIC_API_KEY', 'ASSEMBLYAI_API_KEY']));
  });

  it('names the bad setting the way the user wrote it', () => {
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'XY123', TWILIO_AUTH_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^twilio\.accounts\[0\]\.accountSid .*must be AC followed by 32 hex/),
    ]);
    expect(problemsOf({ TWILIO_ACCOUNT_SID: SID })).toEqual([
      'TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set',
    ]);
    expect(problemsOf({ PORT: 'eighty' })[0]).toMatch(/^PORT: /);
    expect(problemsOf({ PUBLIC_URL: 'not a url' })[0]).toMatch(/^PUBLIC_URL: /);
    expect(problemsOf({ MONGODB_URI: 'postgres://x' })[0]).toBe(
      'MONGODB_URI: must start with mongodb:// or mongodb+srv://',
    );
    expect(problemsOf({ ESCALATION_ON_CALL_NUMBER: '555-1234' })[0]).toMatch(
      /^ESCALATION_ON_CALL_NUMBER: must be an E.164 number/,
    );
  });

  it('keeps recordings unless a retention in whole days is set', () => {
    expect(loadConfig({}).voice.recordingRetentionDays).toBeUndefined();
    expect(loadConfig({ VOICE_RECORDING_RETENTION_DAYS: '90' }).voice.recordingRetentionDays).toBe(90);
    for (const bad of ['0', '1.5', 'forever'])
      expect(problemsOf({ VOICE_RECORDING_RETENTION_DAYS: bad })[0]).toMatch(/^VOICE_RECORDING_RETENTION_DAYS: /);
  });

  it('never puts a secret value in an error message', () => {
    const problems = problemsOf({
      TWILIO_ACCOUNT_SID: 'bad',
      TWILIO_AUTH_TOKEN: 'super-secret-token-value',
      OPERATOR_API_KEY: 'short',
    });
    expect(problems.join('\n')).not.toContain('super-secret-token-value');
    expect(problems.join('\n')).not.toContain('short"');
  });

  it('merges several accounts from the file with the env account', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-config-'));
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        twilio: {
          accounts: [{ name: 'eu', accountSid: 'AC' + 'd4'.repeat(16), authToken: 'eu-token', sendRatePerSecond: 3 }],
        },
      }),
    );
    const config = loadConfig({
      BELUGA_CONFIG_FILE: file,
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'us-token',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(config.twilio.accounts.map((a) => [a.name, a.accountSid, a.sendRatePerSecond, a.apiBaseUrl])).toEqual([
      ['default', SID, 10, 'http://127.0.0.1:9'],
      ['eu', 'AC' + 'd4'.repeat(16), 3, 'http://127.0.0.1:9'],
    ]);
    fs.writeFileSync(file, '{ not json');
    expect(problemsOf({ BELUGA_CONFIG_FILE: file })[0]).toMatch(/^BELUGA_CONFIG_FILE: .* is not valid JSON/);
  });

  it('reloads the file without restart and keeps the last good configuration on a bad edit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-config-'));
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ agent: { systemPrompt: 'first prompt' } }));
    const errors: Error[] = [];
    const store = ConfigStore.load({ BELUGA_CONFIG_FILE: file }, (e) => errors.push(e));
    const seen: string[] = [];
    store.onChange((next) => seen.push(next.agent.systemPrompt));
    store.watch(50);
    try {
      fs.writeFileSync(file, JSON.stringify({ agent: { systemPrompt: 'second prompt, longer' } }));
      await waitFor(() => store.get().agent.systemPrompt === 'second prompt, longer');
      fs.writeFileSync(file, JSON.stringify({ port: -1, agent: { systemPrompt: 'broken edit' } }));
      await waitFor(() => errors.length > 0);
      expect(store.get().agent.systemPrompt).toBe('second prompt, longer');
      expect(errors[0]!.message).toMatch(/port/);
      expect(seen).toEqual(['second prompt, longer']);
    } finally {
      store.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
