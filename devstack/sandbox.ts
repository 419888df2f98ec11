import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load';
// The sandbox reuses the wire-level emulators the tests use: the real SDKs talk to them.
import { AnthropicEmulator } from './emulators/anthropic';
import { AssemblyAiEmulator } from './emulators/assemblyai';
import { AssemblyAiStreamingEmulator } from './emulators/assemblyai-streaming';
import { trustTestCertificateInChildProcesses } from './emulators/tls';
import { TtsEmulator } from './emulators/tts';
import { TwilioEmulator } from './emulators/twilio';
import { startSandboxControl, type SandboxControlAccess, type SimulatedTimings } from './sandbox-control';
import { DEFAULT_CALLER_SCRIPT } from './simulated-call';

const SANDBOX_AGENT_NUMBER = '+15005550006';

/**
 * Provider timings in the range the real services show, so the latencies `npm run call` prints
 * mean something (with the emulators' defaults of 0 they would only measure this machine).
 */
const SANDBOX_TIMINGS: SimulatedTimings = {
  sttFinalizationMs: 150,
  llmFirstTokenMs: 350,
  llmTokensPerSecond: 80,
  ttsFirstByteMs: 150,
};

export interface SandboxInfo {
  accountSid: string;
  authToken: string;
  agentNumber: string;
  twilioApiBaseUrl?: string;
  /** Where the running stack's gateway listens, and the URL Twilio webhooks are signed against. */
  gatewayUrl?: string;
  publicUrl?: string;
  /** Generated when no OPERATOR_API_KEY is configured, so local tools (npm run call) can read the operator API. */
  operatorApiKey?: string;
  /** Present only while a sandbox with emulated speech recognition runs (see sandbox-control.ts). */
  control?: SandboxControlAccess;
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

function readSandboxInfo(file: string): SandboxInfo | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo) : undefined;
}

function writeSandboxInfo(file: string, info: SandboxInfo): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // It holds the emulated account's token and the operator key: owner-only.
  fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // `mode` applies only when the file is created
}

/** A stopped (or never started) sandbox must not look like a running one to `npm run call`. */
function forgetControl(file: string): void {
  const info = readSandboxInfo(file);
  if (!info?.control) return;
  delete info.control;
  writeSandboxInfo(file, info);
}

/** Local stand-ins for providers without credentials, so `npm run dev` works on a fresh machine. */
export async function startSandbox(env: NodeJS.ProcessEnv, dataDir: string): Promise<Sandbox> {
  const configured = loadConfig(env);
  const file = sandboxFile(dataDir);
  const emulated: string[] = [];
  const out: Record<string, string> = {};
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];
  let info: SandboxInfo | undefined;
  try {
    if (!env.TWILIO_ACCOUNT_SID && !env.BELUGA_CONFIG_FILE) {
      const saved = readSandboxInfo(file);
      info = saved
        ? {
            accountSid: saved.accountSid,
            authToken: saved.authToken,
            agentNumber: saved.agentNumber,
            ...(saved.operatorApiKey ? { operatorApiKey: saved.operatorApiKey } : {}),
          }
        : {
            accountSid: `AC${randomBytes(16).toString('hex')}`,
            authToken: randomBytes(16).toString('hex'),
            agentNumber: SANDBOX_AGENT_NUMBER,
          };
      const twilio = new TwilioEmulator({ accounts: { [info.accountSid]: info.authToken } });
      info.twilioApiBaseUrl = await twilio.start();
      stops.push(() => twilio.stop());
      Object.assign(out, {
        TWILIO_ACCOUNT_SID: info.accountSid,
        TWILIO_AUTH_TOKEN: info.authToken,
        TWILIO_API_BASE_URL: info.twilioApiBaseUrl,
        TWILIO_PHONE_NUMBERS: info.agentNumber,
      });
      info.gatewayUrl = `http://localhost:${configured.port}`;
      info.publicUrl = configured.publicUrl;
      if (configured.operatorApiKey) delete info.operatorApiKey;
      else {
        info.operatorApiKey ??= randomBytes(24).toString('hex');
        out.OPERATOR_API_KEY = info.operatorApiKey;
      }
      emulated.push('twilio');
      lines.push(
        `sandbox      Twilio emulated at ${info.twilioApiBaseUrl} (agent number ${info.agentNumber}); text it with: npm run text -- "hello"`,
      );
      if (!configured.operatorApiKey)
        lines.push(
          `sandbox      operator API key generated: "operatorApiKey" in ${file} (set OPERATOR_API_KEY to choose one)`,
        );
    } else {
      forgetControl(file);
    }
    if (!configured.anthropic.apiKey) {
      const key = randomBytes(16).toString('hex');
      const anthropic = new AnthropicEmulator({
        apiKey: key,
        timing: { ttftMs: SANDBOX_TIMINGS.llmFirstTokenMs, tokensPerSecond: SANDBOX_TIMINGS.llmTokensPerSecond },
      });
      const url = await anthropic.start();
      stops.push(() => anthropic.stop());
      Object.assign(out, { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: url });
      emulated.push('anthropic');
      lines.push(`sandbox      Anthropic emulated at ${url} (echo replies); set ANTHROPIC_API_KEY for the real model`);
    }
    let stt: AssemblyAiStreamingEmulator | undefined;
    if (!configured.assemblyai.apiKey) {
      const key = randomBytes(16).toString('hex');
      // Without a script (a call not placed by `npm run call`) each caller turn says the next default line.
      const streaming = new AssemblyAiStreamingEmulator({
        apiKeys: [key],
        finalizationMs: SANDBOX_TIMINGS.sttFinalizationMs,
        responder: ({ turnOrder }) => DEFAULT_CALLER_SCRIPT[turnOrder % DEFAULT_CALLER_SCRIPT.length]!,
      });
      const streamingUrl = await streaming.start();
      stops.push(() => streaming.stop());
      stt = streaming;
      // Voice notes use AssemblyAI's async API with the same key: emulate it too, so the fake key never reaches the real service.
      const voiceNotes = new AssemblyAiEmulator({ apiKey: key });
      const baseUrl = await voiceNotes.start();
      stops.push(() => voiceNotes.stop());
      // The emulator speaks TLS with a local certificate; Node reads extra CAs only at process start, so the workers get it by env.
      const trust: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS };
      await trustTestCertificateInChildProcesses(trust);
      Object.assign(out, {
        ASSEMBLYAI_API_KEY: key,
        ASSEMBLYAI_STREAMING_URL: streamingUrl,
        ASSEMBLYAI_BASE_URL: baseUrl,
        NODE_EXTRA_CA_CERTS: trust.NODE_EXTRA_CA_CERTS!,
      });
      emulated.push('assemblyai');
      lines.push(
        `sandbox      AssemblyAI emulated at ${streamingUrl} (scripted transcripts, not the caller's words); set ASSEMBLYAI_API_KEY for real speech recognition`,
      );
    }
    if (!configured.tts.apiKey) {
      const key = randomBytes(16).toString('hex');
      const tts = new TtsEmulator({ apiKey: key, ttfbMs: SANDBOX_TIMINGS.ttsFirstByteMs });
      const url = await tts.start();
      stops.push(() => tts.stop());
      Object.assign(out, { TTS_API_KEY: key, TTS_BASE_URL: url });
      emulated.push('tts');
      lines.push(`sandbox      text-to-speech emulated at ${url} (synthetic audio); set TTS_API_KEY for a real voice`);
    }
    if (info) {
      if (stt) {
        const target = stt;
        // Loopback only and token-guarded (sandbox-control.ts); the token travels in the 0600 file.
        const token = randomBytes(24).toString('hex');
        const control = await startSandboxControl({
          token,
          status: () => ({ emulated: [...emulated], timings: SANDBOX_TIMINGS }),
          target: {
            replace(utterances) {
              target.transcripts.reset();
              target.script(utterances);
            },
          },
        });
        stops.unshift(() => control.stop());
        info.control = { url: control.url, token };
        lines.push('sandbox      place a simulated call with: npm run call');
      } else {
        lines.push(
          'sandbox      speech recognition is real (ASSEMBLYAI_API_KEY set): `npm run call` needs it emulated, since its caller speaks synthetic audio',
        );
      }
      writeSandboxInfo(file, info);
    }
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
  if (emulated.length) out.BELUGA_SANDBOX = emulated.join(',');
  return {
    env: out,
    describe: () => lines,
    async stop() {
      if (info?.control) forgetControl(file);
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}
