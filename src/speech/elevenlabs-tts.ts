/**
 * ElevenLabs streaming TTS over HTTP (`POST /v1/text-to-speech/{voiceId}/stream?output_format=ulaw_8000`):
 * the response body is raw mu-law 8 kHz, forwarded chunk by chunk as it arrives.
 *
 * Node's fetch (undici) pools keep-alive connections per origin through its global dispatcher, so
 * back-to-back syntheses of a call reuse a warm TLS connection; an aborted stream closes its socket
 * (HTTP/1.1 cannot cancel a response any other way) and the pool opens a fresh one next time.
 */
import { isRetryableStatus } from '../providers/provider-error';
import { TtsError, type SynthesisOptions, type TextToSpeech } from './tts';

const PROVIDER = 'elevenlabs';

export const ELEVENLABS_BASE_URL = 'https://api.elevenlabs.io';
const DEFAULT_STALL_TIMEOUT_MS = 10_000;
const MAX_ERROR_DETAIL_CHARS = 200;

/** ElevenLabs `voice_settings`; omitted fields keep the voice's stored settings. */
interface ElevenLabsVoiceSettings {
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  speed?: number;
}

export interface ElevenLabsTtsOptions {
  apiKey: string;
  voiceId: string;
  /** e.g. `eleven_flash_v2_5` (lowest latency). */
  modelId: string;
  /** Defaults to {@link ELEVENLABS_BASE_URL}; tests point it at the emulator. */
  baseUrl?: string;
  voiceSettings?: ElevenLabsVoiceSettings;
  /** ISO 639-1 code (`es`): enforces the language on the models that take one (flash and turbo v2.5). */
  languageCode?: string;
  /**
   * Longest wait for the response, and then between two chunks, before the synthesis fails with a
   * retryable {@link TtsError}: a hung provider must not leave a caller in silence. Default 10 s.
   */
  stallTimeoutMs?: number;
  /** Replaces the global fetch (e.g. one bound to a custom dispatcher). */
  fetch?: typeof fetch;
}

export class ElevenLabsTts implements TextToSpeech {
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ElevenLabsTtsOptions) {
    const base = (options.baseUrl ?? ELEVENLABS_BASE_URL).replace(/\/+$/, '');
    this.url = `${base}/v1/text-to-speech/${encodeURIComponent(options.voiceId)}/stream?output_format=ulaw_8000`;
    this.fetch = options.fetch ?? fetch;
  }

  async *synthesize(text: string, { signal }: SynthesisOptions): AsyncGenerator<Buffer, void, undefined> {
    if (!text.trim() || signal.aborted) return;
    const scope = new RequestScope(signal, this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS);
    let received = 0;
    try {
      const response = await this.post(text, scope.signal);
      if (!response.ok) throw await statusError(response, this.options.apiKey);
      if (!response.body)
        throw new TtsError('ElevenLabs TTS answered without a body', {
          provider: PROVIDER,
          retryable: true,
          status: response.status,
        });
      // Node's typings leave the body's chunk type open; fetch bodies are always bytes.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        scope.awaitProvider();
        const { done, value } = await reader.read();
        scope.awaitConsumer();
        if (done) {
          scope.completed = true;
          break;
        }
        if (value.byteLength === 0) continue;
        received += value.byteLength;
        // A view, not a copy: the chunk is ours alone once read.
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
      if (received === 0)
        throw new TtsError('ElevenLabs TTS returned no audio', {
          provider: PROVIDER,
          retryable: true,
          status: response.status,
        });
    } catch (error) {
      if (signal.aborted) return; // the caller cancelled: end quietly, whatever failed meanwhile
      if (error instanceof TtsError) throw error;
      if (scope.stalled)
        throw new TtsError(`ElevenLabs TTS stalled for ${scope.stallTimeoutMs} ms after ${received} bytes`, {
          provider: PROVIDER,
          retryable: true,
          cause: error,
        });
      const reason = describe(error);
      const message =
        received === 0
          ? `ElevenLabs TTS request failed: ${reason}`
          : `ElevenLabs TTS stream broke after ${received} bytes: ${reason}`;
      throw new TtsError(message, { provider: PROVIDER, retryable: true, cause: error });
    } finally {
      // Also reached when the consumer stops iterating early: cancel whatever is still in flight.
      scope.close();
    }
  }

  private post(text: string, signal: AbortSignal): Promise<Response> {
    const body: Record<string, unknown> = { text, model_id: this.options.modelId };
    if (this.options.voiceSettings) body.voice_settings = this.options.voiceSettings;
    if (this.options.languageCode) body.language_code = this.options.languageCode;
    return this.fetch(this.url, {
      method: 'POST',
      headers: { 'xi-api-key': this.options.apiKey, 'content-type': 'application/json', accept: 'audio/basic' },
      body: JSON.stringify(body),
      signal,
    });
  }
}

/**
 * One synthesis' own abort controller: follows the caller's signal and fires when the provider
 * stalls. Only time spent waiting on the provider counts: a consumer pacing its reads is no stall.
 */
class RequestScope {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = () => this.controller.abort(this.caller.reason);
  private waiting = true;
  stalled = false;
  /** The body was read to its end: nothing left to cancel, and the connection goes back to the pool. */
  completed = false;

  constructor(
    private readonly caller: AbortSignal,
    readonly stallTimeoutMs: number,
  ) {
    caller.addEventListener('abort', this.onCallerAbort, { once: true });
    this.timer = setTimeout(() => {
      if (!this.waiting) return; // awaitProvider() re-arms it
      this.stalled = true;
      this.controller.abort(new Error('stalled'));
    }, stallTimeoutMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restarts the stall clock; refresh() reuses (and if it fired, re-arms) the one timer. */
  awaitProvider(): void {
    this.waiting = true;
    this.timer.refresh();
  }

  awaitConsumer(): void {
    this.waiting = false;
  }

  close(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
    if (!this.completed && !this.controller.signal.aborted) this.controller.abort(new Error('synthesis abandoned'));
  }
}

async function statusError(response: Response, apiKey: string): Promise<TtsError> {
  let detail = '';
  try {
    detail = errorDetail(await response.text());
  } catch {
    // The status alone is enough to act on.
  }
  if (apiKey) detail = detail.split(apiKey).join('[redacted]');
  const suffix = detail ? `: ${detail.slice(0, MAX_ERROR_DETAIL_CHARS)}` : '';
  return new TtsError(`ElevenLabs TTS failed with HTTP ${response.status}${suffix}`, {
    provider: PROVIDER,
    retryable: isRetryableStatus(response.status),
    status: response.status,
  });
}

/** ElevenLabs errors look like `{"detail":{"status":"..","message":".."}}` or `{"detail":".."}`. */
function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const detail = isRecord(parsed) ? parsed.detail : undefined;
    if (typeof detail === 'string') return detail;
    if (isRecord(detail) && typeof detail.message === 'string') return detail.message;
  } catch {
    // not JSON
  }
  return body.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * fetch reports network failures as `TypeError: fetch failed` with the real reason in `cause`.
 * Read by shape, not `instanceof`: errors may come from another realm (test sandboxes).
 */
function describe(error: unknown): string {
  const message = stringField(error, 'message') ?? String(error);
  const cause: unknown = isRecord(error) ? error.cause : undefined;
  const reason = stringField(cause, 'code') ?? stringField(cause, 'message');
  return reason ? `${message} (${reason})` : message;
}

function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' && field ? field : undefined;
}
