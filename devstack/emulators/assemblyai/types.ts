export type TranscriptStatus = 'queued' | 'processing' | 'completed' | 'error';

export interface EmulatedWord {
  text: string;
  /** Milliseconds from the start of the audio. */
  start: number;
  end: number;
  confidence: number;
}

/** What a finished transcript says. Missing words are spread evenly over the duration. */
export interface ScriptedTranscript {
  text: string;
  confidence?: number;
  audioDurationSeconds?: number;
  words?: EmulatedWord[];
  languageCode?: string;
}

/** The transcript ends with `status: "error"` and this message, as the real API does for bad audio. */
interface ScriptedFailure {
  error: string;
}

export type ScriptedOutcome = ScriptedTranscript | ScriptedFailure;

export interface TranscriptionInput {
  /** The audio bytes: an earlier upload, or fetched from a loopback `audio_url`; undefined if unreachable. */
  audio: Buffer | undefined;
  audioUrl: string;
  /** The JSON body of `POST /v2/transcript`. */
  params: Record<string, unknown>;
}

/** Decides each transcript from its audio; a string is a plain transcript text. */
export type TranscriptScript = (input: TranscriptionInput) => ScriptedOutcome | string;

/**
 * How a transcript advances: it reports `queued` for the first `queuedPolls` GETs, then
 * `processing` for `processingPolls` GETs and until `processingDelayMs` after creation, then its outcome.
 */
export interface Progression {
  queuedPolls: number;
  processingPolls: number;
  processingDelayMs: number;
}

export type Route = 'upload' | 'create' | 'get';

/** The next matching request is answered with this HTTP error instead. */
export interface HttpFault {
  status: number;
  /** The `error` field of the JSON body. */
  error?: string;
  /** Only requests to this route; any route when absent. */
  route?: Route;
}

export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  route: Route | 'unknown';
  /** Whether the Authorization header matched the configured key (its value is never recorded). */
  authorized: boolean;
  bodyBytes: number;
  /** Parsed JSON body for `POST /v2/transcript`. */
  json?: unknown;
  status?: number;
  receivedAt: number;
}

export interface EmulatedUpload {
  id: string;
  url: string;
  bytes: Buffer;
}

export interface EmulatedTranscriptView {
  id: string;
  audioUrl: string;
  params: Record<string, unknown>;
  /** Statuses in the order GET requests saw them. */
  servedStatuses: TranscriptStatus[];
  outcome: ScriptedOutcome | undefined;
}

export interface AssemblyAiEmulatorOptions {
  /** Required `Authorization` header value (AssemblyAI takes the bare key, no scheme). */
  apiKey: string;
  port?: number;
  script?: TranscriptScript;
  progression?: Partial<Progression>;
  /** Largest accepted upload. */
  maxUploadBytes?: number;
}
