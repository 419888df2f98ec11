import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { anyAgentOnAnthropic } from '../src/agents/default-agent';
// The sandbox reuses the wire-level emulators the tests use: the real SDKs talk to them.
import { AnthropicEmulator } from './emulators/anthropic';
import { AssemblyAiEmulator } from './emulators/assemblyai';
import { AssemblyAiStreamingEmulator } from './emulators/assemblyai-streaming';
import { trustTestCertificateInChildProcesses } from './emulators/tls';
import { TtsEmulator } from './emulators/tts';
import { TwilioEmulator } from './emulators/twilio';
import { startSandboxControl, type SandboxControlAccess, type SimulatedTimings } from './sandbox-control';
import { planSandbox, type SandboxLine } from './sandbox-plan';
import { DEFAULT_CALLER_SCRIPT } from './simulated-call';

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
  /** The number `npm run text` and `npm run call` use unless told `--to`: the first of `lines`. */
  agentNumber: string;
  /** The emulated account's numbers and their agents, as the configuration had them when the sandbox started. */
  lines?: SandboxLine[];
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

/**
 * The number a script texts or calls: `--to`, or the sandbox's first, with a note naming its agent. A number the
 * sandbox did not list at its start still goes through: the config file may have gained it since.
 */
export function sandboxTarget(info: SandboxInfo, to: string | undefined): { to: string; note: string } {
  const target = to ?? info.agentNumber;
  const line = info.lines?.find((l) => l.address === target);
  if (line) return { to: target, note: `agent ${line.agent}` };
  const known = (info.lines ?? []).map((l) => l.address).join(', ');
  return {
    to: target,
    note: `not among the sandbox's numbers at its start (${known || info.agentNumber}): routed by the live configuration`,
  };
}

/** A stopped (or never started) sandbox must not look like a running one to `npm run call`. */
function forgetControl(file: string): void {
  const info = readSandboxInfo(file);
  if (!info?.control) return;
  delete info.control;
  writeSandboxInfo(file, info);
}

/**
 * Local stand-ins for whatever the configuration (environment and config file) leaves without credentials, so
 * `npm run dev` works on a fresh machine, with or without a config file (see sandbox-plan.ts).
 */
export async function startSandbox(env: NodeJS.ProcessEnv, dataDir: string): Promise<Sandbox> {
  const file = sandboxFile(dataDir);
  const saved = readSandboxInfo(file);
  const plan = planSandbox(env, saved);
  const configured = plan.config;
  const emulated: string[] = [];
  const out: Record<string, string> = {};
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];
  let info: SandboxInfo | undefined;
  try {
    if (plan.twilio) {
      const { accountSid, authToken, lines: numbers } = plan.twilio;
      // The scripts add `whatsapp:` themselves (--whatsapp): the default is a plain number.
      const plain = numbers.map((l) => l.address).filter((a) => !a.startsWith('whatsapp:'));
      const agentNumber = plain[0] ?? numbers[0]!.address.replace(/^whatsapp:/, '');
      info = {
        accountSid,
        authToken,
        agentNumber,
        lines: numbers,
        ...(saved?.operatorApiKey ? { operatorApiKey: saved.operatorApiKey } : {}),
      };
      const twilio = new TwilioEmulator({ accounts: { [accountSid]: authToken } });
      info.twilioApiBaseUrl = await twilio.start();
      stops.push(() => twilio.stop());
      Object.assign(out, plan.twilio.env, { TWILIO_API_BASE_URL: info.twilioApiBaseUrl });
      info.gatewayUrl = `http://localhost:${configured.port}`;
      info.publicUrl = configured.publicUrl;
      if (configured.operatorApiKey) delete info.operatorApiKey;
      else {
        info.operatorApiKey ??= randomBytes(24).toString('hex');
        out.OPERATOR_API_KEY = info.operatorApiKey;
      }
      emulated.push('twilio');
      const listed = numbers.map((l) => `${l.address} (agent ${l.agent})`).join(', ');
      lines.push(`sandbox      Twilio emulated at ${info.twilioApiBaseUrl}: ${listed}`);
      const other = plain.find((a) => a !== agentNumber);
      lines.push(
        other
          ? `sandbox      text or call a number: npm run text -- --to ${other} "hello", npm run call -- --to ${other}   (default: ${agentNumber})`
          : 'sandbox      text it with: npm run text -- "hello"',
      );
      if (!configured.operatorApiKey)
        lines.push(
          `sandbox      operator API key generated: "operatorApiKey" in ${file} (set OPERATOR_API_KEY to choose one)`,
        );
    } else {
      forgetControl(file);
    }
    if (plan.anthropic) {
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
    } else if (!configured.anthropic.apiKey && !anyAgentOnAnthropic(configured)) {
      lines.push('sandbox      no Anthropic key needed: every agent runs on an OpenAI-compatible endpoint');
    }
    let stt: AssemblyAiStreamingEmulator | undefined;
    if (plan.assemblyai) {
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
    if (plan.tts) {
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
        // The gateway scripts the browser calls' simulated callers through it (the console's "Say" box).
        Object.assign(out, { BELUGA_SANDBOX_CONTROL_URL: control.url, BELUGA_SANDBOX_CONTROL_TOKEN: token });
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
