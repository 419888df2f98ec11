/**
 * What `npm run dev` emulates: whatever the configuration (environment and config file) leaves without credentials,
 * file or not. A file with agents and lines but no Twilio credentials still gets the emulated Twilio account, with
 * the file's numbers; a file whose agents all run on an OpenAI-compatible endpoint needs no Anthropic key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { loadConfig, missingCredentials } from '../../src/config/load';
import { planSandbox, SANDBOX_AGENT_NUMBER } from '../../devstack/sandbox-plan';
import { sandboxFile, sandboxTarget, startSandbox, type SandboxInfo } from '../../devstack/sandbox';
import { parseCallArgs } from '../../devstack/simulated-call';
import { parseTextArgs } from '../../devstack/simulated-text';

const SUPPORT = '+15005550101';
const SALES = '+15005550102';
const REAL_SID = 'AC' + 'c3'.repeat(16);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-sandbox-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function configFile(settings: Record<string, unknown>): string {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(settings));
  return file;
}

const ollamaAgent = (id: string) => ({
  id,
  name: `${id} desk`,
  instructions: `You answer the ${id} line.`,
  model: { provider: 'openai-compatible', name: 'llama3.1', baseUrl: 'http://localhost:11434/v1' },
});

/** Two agents on a local model, two numbers routed to them, an event binding: no credentials anywhere. */
const twoAgentFile = () =>
  configFile({
    agents: [ollamaAgent('default'), ollamaAgent('sales')],
    events: { bindings: [{ name: 'log', events: ['call.ended'], workflow: 'logEventWorkflow' }] },
    twilio: {
      accounts: [
        {
          name: 'demo',
          phoneNumbers: [SUPPORT, SALES],
          lines: [{ address: SALES, agent: 'sales' }],
        },
      ],
    },
  });

describe('planSandbox', () => {
  it('emulates everything on a fresh machine, with Twilio’s test number', () => {
    const plan = planSandbox({});
    expect(plan).toMatchObject({ anthropic: true, assemblyai: true, tts: true });
    expect(plan.twilio!.lines).toEqual([{ address: SANDBOX_AGENT_NUMBER, agent: 'default' }]);
    expect(plan.twilio!.env.TWILIO_PHONE_NUMBERS).toBe(SANDBOX_AGENT_NUMBER);
  });

  it('gives a config file without Twilio credentials the emulated account, which adopts the file’s numbers and lines', () => {
    const env = { BELUGA_CONFIG_FILE: twoAgentFile() };
    const plan = planSandbox(env);

    expect(plan.twilio!.lines).toEqual([
      { address: SUPPORT, agent: 'default' },
      { address: SALES, agent: 'sales' },
    ]);
    // The file's own numbers stay in force (live edits to them apply): the sandbox does not set its own.
    expect(plan.twilio!.env).not.toHaveProperty('TWILIO_PHONE_NUMBERS');
    // Every agent runs on the local model: no Anthropic key is needed, so none is emulated or reported missing.
    expect(plan.anthropic).toBe(false);
    expect(missingCredentials(plan.config).some((m) => m.startsWith('ANTHROPIC'))).toBe(false);
    // The processes load exactly this: the file's account, completed with the sandbox's credentials.
    const config = loadConfig({ ...env, ...plan.twilio!.env, TWILIO_API_BASE_URL: 'http://127.0.0.1:9' });
    expect(config.twilio.accounts).toHaveLength(1);
    expect(config.twilio.accounts[0]).toMatchObject({
      name: 'demo',
      accountSid: plan.twilio!.accountSid,
      authToken: plan.twilio!.authToken,
      phoneNumbers: [SUPPORT, SALES],
      apiBaseUrl: 'http://127.0.0.1:9',
    });
    expect(config.events.bindings.map((b) => b.name)).toEqual(['log']);
  });

  it('makes the lines the numbers when the file lists no phoneNumbers, and keeps the saved account', () => {
    const file = configFile({
      agents: [ollamaAgent('sales')],
      twilio: { accounts: [{ lines: [{ address: SALES, agent: 'sales' }, { address: `whatsapp:${SUPPORT}` }] }] },
    });
    const saved = { accountSid: 'AC' + 'd4'.repeat(16), authToken: 'saved-token' };
    const plan = planSandbox({ BELUGA_CONFIG_FILE: file }, saved);
    expect(plan.twilio).toMatchObject({ ...saved, env: { TWILIO_PHONE_NUMBERS: `${SALES},whatsapp:${SUPPORT}` } });
    expect(plan.twilio!.lines).toEqual([
      { address: SALES, agent: 'sales' },
      { address: `whatsapp:${SUPPORT}`, agent: 'default' },
    ]);
    // The derived default agent runs on Anthropic, and there is no key: emulated.
    expect(plan.anthropic).toBe(true);
  });

  it('emulates no Twilio when an account is named, in the file or the environment', () => {
    const file = configFile({ twilio: { accounts: [{ accountSid: REAL_SID, authToken: 'real-token' }] } });
    expect(planSandbox({ BELUGA_CONFIG_FILE: file }).twilio).toBeUndefined();
    expect(planSandbox({ TWILIO_ACCOUNT_SID: REAL_SID, TWILIO_AUTH_TOKEN: 'real-token' }).twilio).toBeUndefined();
  });

  it('emulates nothing for a provider whose key is set', () => {
    const plan = planSandbox({ ANTHROPIC_API_KEY: 'k', ASSEMBLYAI_API_KEY: 'k', TTS_API_KEY: 'k' });
    expect(plan).toMatchObject({ anthropic: false, assemblyai: false, tts: false });
  });

  it('refuses two accounts without credentials, and a bad file, naming the field', () => {
    const two = configFile({ twilio: { accounts: [{ name: 'a' }, { name: 'b' }] } });
    expect(() => planSandbox({ BELUGA_CONFIG_FILE: two })).toThrow(/twilio\.accounts: the sandbox emulates one/);
    const bad = configFile({
      agents: [{ id: 'x', name: 'X', instructions: 'hi', model: { provider: 'openai-compatible' } }],
    });
    expect(() => planSandbox({ BELUGA_CONFIG_FILE: bad })).toThrow(/agents\.0\.model\.baseUrl/);
  });
});

describe('startSandbox with a config file', () => {
  it('runs the emulated Twilio account under the file’s numbers and records them for the scripts', async () => {
    const env = { BELUGA_CONFIG_FILE: twoAgentFile(), ASSEMBLYAI_API_KEY: 'k', TTS_API_KEY: 'k' };
    const sandbox = await startSandbox(env, dir);
    try {
      expect(sandbox.env.BELUGA_SANDBOX).toBe('twilio');
      const info = JSON.parse(fs.readFileSync(sandboxFile(dir), 'utf8')) as SandboxInfo;
      expect(info).toMatchObject({
        agentNumber: SUPPORT,
        lines: [
          { address: SUPPORT, agent: 'default' },
          { address: SALES, agent: 'sales' },
        ],
      });
      expect(sandbox.describe().join('\n')).toContain(`npm run text -- --to ${SALES}`);
      expect(sandbox.describe().join('\n')).toContain('no Anthropic key needed');
      // The emulated Twilio answers the account the processes are given.
      const config = loadConfig({ ...env, ...sandbox.env });
      const account = config.twilio.accounts[0]!;
      const rest = createTwilioClient({
        accountSid: account.accountSid,
        authToken: account.authToken,
        apiBaseUrl: account.apiBaseUrl,
      });
      await expect(rest.messages.list({ limit: 1 })).resolves.toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('npm run text / npm run call: picking the number', () => {
  const info: SandboxInfo = {
    accountSid: 'AC' + 'e5'.repeat(16),
    authToken: 't',
    agentNumber: SUPPORT,
    lines: [
      { address: SUPPORT, agent: 'default' },
      { address: SALES, agent: 'sales' },
    ],
  };

  it('targets --to, or the first number, and says which agent answers', () => {
    expect(sandboxTarget(info, SALES)).toEqual({ to: SALES, note: 'agent sales' });
    expect(sandboxTarget(info, undefined)).toEqual({ to: SUPPORT, note: 'agent default' });
    expect(sandboxTarget(info, '+15005550199').note).toMatch(/not among the sandbox's numbers at its start/);
  });

  it('parses the text script’s arguments', () => {
    expect(parseTextArgs(['--to', SALES, 'do you', 'sell boats?'])).toEqual({
      body: 'do you sell boats?',
      from: '+14155550123',
      to: SALES,
      whatsapp: false,
      help: false,
    });
    expect(
      parseTextArgs(['hi', '--from', '+442071838750', '--whatsapp', '--gateway', 'http://127.0.0.1:4000/x']),
    ).toEqual({
      body: 'hi',
      from: '+442071838750',
      whatsapp: true,
      gateway: 'http://127.0.0.1:4000',
      help: false,
    });
    expect(parseTextArgs(['-h']).help).toBe(true);
    expect(() => parseTextArgs([])).toThrow(/a message to send is required[\s\S]*usage: npm run text/);
    expect(() => parseTextArgs(['hi', '--to', '5550102'])).toThrow(/--to: must be an E\.164 number/);
    expect(() => parseTextArgs(['hi', '--nope'])).toThrow(/usage: npm run text/);
  });

  it('parses --to for the call script', () => {
    expect(parseCallArgs(['--to', SALES]).to).toBe(SALES);
    expect(parseCallArgs([])).not.toHaveProperty('to');
    expect(() => parseCallArgs(['--to', 'sales'])).toThrow(/--to: must be an E\.164 number[\s\S]*usage: npm run call/);
  });
});
