/**
 * The pure parts of `npm run call` (a simulated phone call against the dev sandbox): its
 * arguments, the TwiML it reads like Twilio does, how long the scripted caller talks, and how the
 * finished call is printed. Kept apart from scripts/call.ts so they can be unit-tested.
 */
import { parseArgs } from 'node:util';
import type { CallTurn, TurnLatency } from '../src/voice/call-types';

/** What the scripted caller says by default: an order, a question about it, then a reference back to it. */
export const DEFAULT_CALLER_SCRIPT: readonly string[] = [
  "Hi, I'm calling about my order, number 4521.",
  'Can you tell me when it will arrive?',
  'Sorry, what was my order number again?',
];
export const DEFAULT_CALLER_NUMBER = '+14155550123';

export const CALL_USAGE = `usage: npm run call -- [--to +E164] [--from +E164] [--say "first line" --say "second line" ...] [--gateway http://localhost:3000]

Places a simulated inbound call against the running dev system (\`npm run dev\` with Twilio and speech
recognition emulated): a scripted caller says each line, waits for the agent's answer to be heard, hangs
up, and the conversation is printed with the latency of every answer. --to calls one of the sandbox's
numbers (and so the agent answering it; \`npm run dev\` lists them); default: its first number.`;

export interface CallOptions {
  from: string;
  /** One of the sandbox's numbers; default: its first. */
  to?: string;
  utterances: string[];
  gateway?: string;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string, usage: string = CALL_USAGE) {
    super(`${message}\n\n${usage}`);
    this.name = 'UsageError';
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** A phone number option (`--from`, `--to`): E.164, trimmed. */
export function phoneOption(name: string, value: string, usage: string): string {
  const number = value.trim();
  if (!E164.test(number))
    throw new UsageError(`--${name}: must be an E.164 number like ${DEFAULT_CALLER_NUMBER} (got "${number}")`, usage);
  return number;
}

/** `--gateway`: an http(s) URL, kept as its origin. */
export function gatewayOption(value: string, usage: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--gateway: not a URL: "${value}"`, usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--gateway: must be an http(s) URL', usage);
  return url.origin;
}

export function parseCallArgs(args: readonly string[]): CallOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        say: { type: 'string', multiple: true },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const from = phoneOption('from', values.from ?? DEFAULT_CALLER_NUMBER, CALL_USAGE);
  const to = values.to === undefined ? undefined : phoneOption('to', values.to, CALL_USAGE);
  const said = (values.say ?? []).map((line) => line.trim());
  if (said.some((line) => line === '')) throw new UsageError('--say: a line must not be empty');
  if (said.length > 20) throw new UsageError('--say: at most 20 lines');
  if (said.some((line) => line.length > 500)) throw new UsageError('--say: a line must be at most 500 characters');
  const gateway = values.gateway === undefined ? undefined : gatewayOption(values.gateway, CALL_USAGE);
  return {
    from,
    ...(to ? { to } : {}),
    utterances: said.length ? said : [...DEFAULT_CALLER_SCRIPT],
    help: values.help,
    ...(gateway ? { gateway } : {}),
  };
}

/** `<Stream url>` and the `<Parameter>`s of a `<Connect><Stream>` answer, as Twilio passes them to `start`. */
export function streamParameters(twiml: string): { url: string; parameters: Record<string, string> } {
  const unescape = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url || !/<Connect[\s>]/.test(twiml))
    throw new Error(`the gateway did not answer the call with <Connect><Stream>: ${twiml.slice(0, 300)}`);
  const parameters: Record<string, string> = {};
  for (const match of twiml.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g))
    parameters[unescape(match[1]!)] = unescape(match[2]!);
  return { url: unescape(url), parameters };
}

/** Roughly how long a person takes to say `text` (about 2.8 words a second), so turns feel like speech. */
export function speakingTimeMs(text: string): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.min(8000, Math.max(800, words * 350 + 250));
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** `1043 ms end of speech → first audio  (speech recognition 402 + LLM first chunk 420 + TTS first byte 153 + pipeline 68)`. */
export function formatLatency(latency: TurnLatency): string {
  const parts = [
    `speech recognition ${ms(latency.sttMs)}`,
    `LLM first chunk ${ms(latency.llmFirstChunkMs)} (first token ${ms(latency.llmFirstTokenMs)})`,
    `TTS first byte ${ms(latency.ttsFirstByteMs)}`,
    `pipeline ${ms(latency.overheadMs)}`,
  ];
  return `${ms(latency.endOfSpeechToFirstAudioMs)} end of speech → first audio = ${parts.join(' + ')}`;
}

export interface ConversationSummary {
  callSid: string;
  from: string;
  to: string;
  turns: readonly CallTurn[];
  outcome?: string;
  /** E.g. "simulated provider timings: …", printed under the conversation. */
  note?: string;
}

/** The call as lines: who said what, and under each answer where its time went. */
export function formatConversation(call: ConversationSummary): string {
  const lines = [`call ${call.callSid}: ${call.from} → ${call.to}`, ''];
  const answered: number[] = [];
  for (const turn of call.turns) {
    const who = turn.role === 'caller' ? 'caller' : 'agent ';
    const text = turn.text || (turn.role === 'agent' ? '(nothing was heard)' : '(silence)');
    lines.push(
      `${who}  ${text}${turn.interrupted ? '  [interrupted]' : ''}${turn.source === 'dtmf' ? '  [keypad]' : ''}`,
    );
    if (turn.role === 'agent' && turn.latency) {
      lines.push(`        latency: ${formatLatency(turn.latency)}`);
      answered.push(turn.latency.endOfSpeechToFirstAudioMs);
    }
  }
  lines.push('');
  if (answered.length) {
    const sorted = [...answered].sort((a, b) => a - b);
    const mean = answered.reduce((sum, v) => sum + v, 0) / answered.length;
    lines.push(
      `${answered.length} answer${answered.length === 1 ? '' : 's'}: end of speech → first audio mean ${ms(mean)}, best ${ms(sorted[0]!)}, worst ${ms(sorted[sorted.length - 1]!)}`,
    );
  } else {
    lines.push('no answer carries latency figures (the agent never answered speech)');
  }
  if (call.outcome) lines.push(`outcome: ${call.outcome}`);
  if (call.note) lines.push(call.note);
  return `${lines.join('\n')}\n`;
}
