/** Speech-to-text for recorded audio (voice notes), behind a small interface; AssemblyAI's async API implements it. */
import { AssemblyAI, type SpeechModel, type Transcript } from 'assemblyai';

export interface AudioTranscript {
  text: string;
  durationSeconds?: number;
  confidence?: number;
}

export interface AudioTranscriber {
  /**
   * `audio` is the file's bytes, or an http(s) URL the provider can fetch itself (so not a Twilio
   * media URL, which needs our credentials). Rejects with TranscriptionError.
   */
  transcribe(audio: Buffer | string, contentType: string): Promise<AudioTranscript>;
}

export class TranscriptionError extends Error {
  override readonly name = 'TranscriptionError';

  constructor(
    message: string,
    /** The provider's transcript id, when the job got that far. */
    readonly transcriptId?: string,
  ) {
    super(message);
  }
}

export interface AssemblyAiTranscriberOptions {
  apiKey: string;
  /** REST base URL, e.g. an emulator's `http://127.0.0.1:<port>`; defaults to AssemblyAI's. */
  baseUrl?: string;
  /** Wait between status polls; the SDK's 3 s default is right for production, tests use a few ms. */
  pollingIntervalMs?: number;
  /** Upload, queueing and processing together. */
  timeoutMs?: number;
  speechModel?: SpeechModel;
  /** Voice notes arrive in whatever language the customer speaks. */
  languageDetection?: boolean;
}

const DEFAULT_POLLING_INTERVAL_MS = 3_000;
const DEFAULT_TIMEOUT_MS = 120_000;

export class AssemblyAiTranscriber implements AudioTranscriber {
  private readonly client: AssemblyAI;

  constructor(private readonly options: AssemblyAiTranscriberOptions) {
    this.client = new AssemblyAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  }

  async transcribe(audio: Buffer | string, _contentType: string): Promise<AudioTranscript> {
    // The SDK reads any non-http string as a local file path; only ever hand it bytes or a web URL.
    if (typeof audio === 'string' && !/^https?:\/\//i.test(audio))
      throw new TranscriptionError('audio must be bytes or an http(s) URL');
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const job = this.client.transcripts.transcribe(
      {
        audio,
        ...(this.options.speechModel ? { speech_model: this.options.speechModel } : {}),
        ...(this.options.languageDetection !== undefined ? { language_detection: this.options.languageDetection } : {}),
      },
      // pollingTimeout also ends the SDK's polling loop if our deadline below fires first.
      { pollingInterval: this.options.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS, pollingTimeout: timeoutMs },
    );
    const transcript = await withTimeout(job, timeoutMs);
    return toAudioTranscript(transcript);
  }
}

function toAudioTranscript(transcript: Transcript): AudioTranscript {
  if (transcript.status === 'error') {
    throw new TranscriptionError(
      `AssemblyAI could not transcribe the audio: ${transcript.error ?? 'unknown error'}`,
      transcript.id,
    );
  }
  return {
    text: transcript.text ?? '',
    ...(typeof transcript.audio_duration === 'number' ? { durationSeconds: transcript.audio_duration } : {}),
    ...(typeof transcript.confidence === 'number' ? { confidence: transcript.confidence } : {}),
  };
}

/** The SDK has no request timeout or cancellation; stop waiting and let the orphaned request finish on its own. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TranscriptionError(`transcription took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    if (error instanceof TranscriptionError) throw error;
    // SDK errors carry the API's `error` text (e.g. "Authentication error, API token missing/invalid"), never the key.
    const message = error !== null && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
    throw new TranscriptionError(`AssemblyAI request failed: ${typeof message === 'string' ? message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
