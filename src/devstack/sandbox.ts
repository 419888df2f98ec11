import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// The sandbox reuses the wire-level emulators the tests use: the real SDKs talk to them.
import { AnthropicEmulator } from '../../test/emulators/anthropic';
import { TwilioEmulator } from '../../test/emulators/twilio';

export const SANDBOX_AGENT_NUMBER = '+15005550006';

export interface SandboxInfo {
  accountSid: string;
  authToken: string;
  agentNumber: string;
  twilioApiBaseUrl?: string;
}

export interface Sandbox {
  /** Settings that point the processes at the emulators (empty when real credentials are set). */
  env: Record<string, string>;
  describe(): string[];
  stop(): Promise<void>;
}

export function sandboxFile(dataDir: string): string {
  return path.join(dataDir, 'sandbox.json');
}

/** Local stand-ins for providers without credentials, so `npm run dev` works on a fresh machine. */
export async function startSandbox(env: NodeJS.ProcessEnv, dataDir: string): Promise<Sandbox> {
  const emulated: string[] = [];
  const out: Record<string, string> = {};
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];
  if (!env.TWILIO_ACCOUNT_SID && !env.BELUGA_CONFIG_FILE) {
    const file = sandboxFile(dataDir);
    const saved = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo) : undefined;
    const info: SandboxInfo = saved ?? { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), agentNumber: SANDBOX_AGENT_NUMBER };
    const twilio = new TwilioEmulator({ accounts: { [info.accountSid]: info.authToken } });
    info.twilioApiBaseUrl = await twilio.start();
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
    stops.push(() => twilio.stop());
    Object.assign(out, { TWILIO_ACCOUNT_SID: info.accountSid, TWILIO_AUTH_TOKEN: info.authToken, TWILIO_API_BASE_URL: info.twilioApiBaseUrl, TWILIO_PHONE_NUMBERS: info.agentNumber });
    emulated.push('twilio');
    lines.push(`sandbox      Twilio emulated at ${info.twilioApiBaseUrl} (agent number ${info.agentNumber}); text it with: npm run text -- "hello"`);
  }
  if (!env.ANTHROPIC_API_KEY) {
    const key = randomBytes(16).toString('hex');
    const anthropic = new AnthropicEmulator({ apiKey: key });
    const url = await anthropic.start();
    stops.push(() => anthropic.stop());
    Object.assign(out, { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: url });
    emulated.push('anthropic');
    lines.push(`sandbox      Anthropic emulated at ${url} (echo replies); set ANTHROPIC_API_KEY for the real model`);
  }
  if (emulated.length) out.BELUGA_SANDBOX = emulated.join(',');
  return {
    env: out,
    describe: () => lines,
    async stop() {
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}
