/**
 * The providers process of bench/voice-calls.ts (forked by it; not meant to be run by hand): the
 * speech-to-text (AssemblyAI streaming), language model (Anthropic) and text-to-speech (ElevenLabs)
 * emulators the system talks to during calls. Out of the benchmarked process, so that the STT
 * emulator's work on every call's audio, the LLM's token streams and the TTS audio do not count as
 * the system's CPU and memory; the system reaches them over loopback like the real services.
 */
import { AssemblyAiStreamingEmulator } from '../devstack/emulators/assemblyai-streaming';
import { AnthropicEmulator, lastUserText, textReply } from '../devstack/emulators/anthropic';
import { TtsEmulator } from '../devstack/emulators/tts';
import type { FromProviders, ProviderKeys, ProviderTiming, ToProviders } from './voice-calls-protocol';

function send(message: FromProviders): void {
  process.send?.(message);
}

/** Short, deterministic replies (one or two sentences, ~2–3.5 s of speech at the TTS emulator's 60 ms per character). */
const REPLIES = [
  'Sure, I can help with that. Your order is on its way.',
  'Thanks for waiting. It should arrive tomorrow morning.',
  'Got it, I have updated your account.',
  'Of course. Is there anything else I can do for you?',
  'I see the problem. A refund is on its way to you now.',
  'That plan costs ten dollars a month.',
];

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

let emulators: { stt: AssemblyAiStreamingEmulator; anthropic: AnthropicEmulator; tts: TtsEmulator } | undefined;

async function start(keys: ProviderKeys): Promise<void> {
  const stt = new AssemblyAiStreamingEmulator({ apiKeys: [keys.assemblyai] });
  const anthropic = new AnthropicEmulator({ apiKey: keys.anthropic });
  const tts = new TtsEmulator({ apiKey: keys.tts });
  emulators = { stt, anthropic, tts };
  const [sttUrl, anthropicUrl, ttsUrl] = await Promise.all([stt.start(), anthropic.start(), tts.start()]);
  send({ type: 'started', sttUrl, anthropicUrl, ttsUrl });
}

/** Forgets the previous level's records and applies the mode's timing and the scripted answers. */
function configure(timing: ProviderTiming): void {
  if (!emulators) throw new Error('configure before start');
  const { stt, anthropic, tts } = emulators;
  stt.reset();
  anthropic.reset();
  tts.reset();
  stt.configure({ finalizationMs: timing.sttFinalizationMs });
  stt.respondWith(
    ({ sessionIndex, turnOrder }) => `I have a question about order ${4000 + sessionIndex}, part ${turnOrder + 1}.`,
  );
  anthropic.setResponder((request) => textReply(REPLIES[hash(lastUserText(request)) % REPLIES.length]!));
  anthropic.setTiming({ ttftMs: timing.llmFirstTokenMs, tokensPerSecond: timing.llmTokensPerSecond });
  tts.setTiming({ ttfbMs: timing.ttsFirstByteMs });
  send({ type: 'configured' });
}

process.on('message', (raw: unknown) => {
  const message = raw as ToProviders;
  const fail = (error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  try {
    if (message.type === 'start') start(message.keys).catch(fail);
    else configure(message.timing);
  } catch (error) {
    fail(error);
  }
});
process.on('warning', (warning) =>
  send({ type: 'warning', message: `providers process: ${warning.name}: ${warning.message}` }),
);
process.on('disconnect', () => {
  const running = emulators;
  emulators = undefined;
  void Promise.all([running?.stt.stop(), running?.anthropic.stop(), running?.tts.stop()]).finally(() =>
    process.exit(0),
  );
  setTimeout(() => process.exit(0), 3000).unref();
});
send({ type: 'ready' });
