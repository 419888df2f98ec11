import { AnthropicEmulator } from '../../../devstack/emulators/anthropic';
import { AssemblyAiEmulator } from '../../../devstack/emulators/assemblyai';
import { AssemblyAiStreamingEmulator } from '../../../devstack/emulators/assemblyai-streaming';
import { trustTestCertificateInChildProcesses } from '../../../devstack/emulators/tls';
import { TtsEmulator } from '../../../devstack/emulators/tts';
import { TwilioEmulator } from '../../../devstack/emulators/twilio';

export const FAULT_ACCOUNT_SID = 'AC' + 'f4'.repeat(16);
export const FAULT_AUTH_TOKEN = 'fault-auth-token-0123456789abcdef';
const ANTHROPIC_KEY = 'fault-anthropic-key';
const ASSEMBLYAI_KEY = 'fault-assemblyai-key';
const TTS_KEY = 'fault-tts-key';

/**
 * The providers, emulated inside the test process (so a test scripts them and reads what they saw) while the
 * platform's processes reach them over the network like the real services.
 */
export interface FaultEmulators {
  /** Twilio REST; `twilio.faults` injects 429/5xx, dropped connections, lost responses and latency. */
  twilio: TwilioEmulator;
  /** Echoes by default ("You said: <text>"): replies are traceable to the message they answer. */
  anthropic: AnthropicEmulator;
  stt: AssemblyAiStreamingEmulator;
  /** AssemblyAI's async API (voice notes). */
  voiceNotes: AssemblyAiEmulator;
  tts: TtsEmulator;
  /** Settings that point the platform's processes at the emulators (TLS trust included). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFaultEmulators(): Promise<FaultEmulators> {
  const twilio = new TwilioEmulator({ accounts: { [FAULT_ACCOUNT_SID]: FAULT_AUTH_TOKEN } });
  const anthropic = new AnthropicEmulator({ apiKey: ANTHROPIC_KEY });
  const stt = new AssemblyAiStreamingEmulator({ apiKeys: [ASSEMBLYAI_KEY] });
  const voiceNotes = new AssemblyAiEmulator({ apiKey: ASSEMBLYAI_KEY });
  const tts = new TtsEmulator({ apiKey: TTS_KEY });
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    await Promise.allSettled(started.map((emulator) => emulator.stop()));
  };
  try {
    const startOne = async <T extends { start(): Promise<string>; stop(): Promise<void> }>(emulator: T) => {
      const url = await emulator.start();
      started.push(emulator);
      return url;
    };
    const [twilioUrl, anthropicUrl, sttUrl, voiceNotesUrl, ttsUrl] = await Promise.all([
      startOne(twilio),
      startOne(anthropic),
      startOne(stt),
      startOne(voiceNotes),
      startOne(tts),
    ]);
    // The streaming STT emulator speaks wss with a local certificate; Node reads extra CAs only at process start.
    const trust: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
    await trustTestCertificateInChildProcesses(trust);
    const env: Record<string, string> = {
      TWILIO_ACCOUNT_SID: FAULT_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAULT_AUTH_TOKEN,
      TWILIO_API_BASE_URL: twilioUrl,
      // The platform's own send throttle would otherwise stretch a 300-message burst into minutes.
      TWILIO_SEND_RATE_PER_SECOND: '1000',
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropicUrl,
      ASSEMBLYAI_API_KEY: ASSEMBLYAI_KEY,
      ASSEMBLYAI_STREAMING_URL: sttUrl,
      ASSEMBLYAI_BASE_URL: voiceNotesUrl,
      TTS_API_KEY: TTS_KEY,
      TTS_BASE_URL: ttsUrl,
      NODE_EXTRA_CA_CERTS: trust.NODE_EXTRA_CA_CERTS!,
    };
    return { twilio, anthropic, stt, voiceNotes, tts, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
