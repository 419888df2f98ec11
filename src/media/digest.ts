/**
 * Turns a message's media into what the agent can use: images as base64 for the model, voice notes as
 * transcripts, videos and everything else as facts to mention. Never throws for bad media.
 */
import type { ContentPart, TextPart } from '../agent/chat-items';
import type { MediaRef } from '../messaging/inbound';
import {
  fetchMedia,
  MediaFetchError,
  MediaTooLargeError,
  MediaTypeMismatchError,
  probeMedia,
  type BasicAuth,
} from './fetch-media';
import {
  bareContentType,
  classifyContentType,
  DEFAULT_MEDIA_LIMITS,
  formatByteSize,
  formatLabel,
  sniffImageType,
  supportedMediaSentence,
  type ImageMediaType,
  type MediaLimits,
} from './media-types';
import { TranscriptionError, type AudioTranscriber } from './transcribe';
import { mayReceiveTwilioCredentials } from './twilio-media-hosts';

export type MediaDigest =
  /**
   * `base64` is absent when the bytes were not loaded (stored in GridFS, see media-store.ts); `caption` is
   * the model's description, written once when the message is indexed (knowledge search finds images by it).
   */
  | { kind: 'image'; mediaType: ImageMediaType; base64?: string; sizeBytes: number; caption?: string }
  | { kind: 'audio'; contentType: string; transcript: string; durationSeconds?: number; confidence?: number }
  | { kind: 'video'; contentType: string; sizeBytes?: number; note: string }
  | { kind: 'unsupported'; contentType: string; reason: string }
  | { kind: 'too_large'; contentType: string; sizeBytes: number; limitBytes: number }
  | { kind: 'failed'; contentType: string; reason: string }
  /** Not digested within the deadline (or past the retry budget): the customer hears it could not be read. */
  | { kind: 'timed_out'; contentType: string };

/**
 * A voice note's transcript kept for the model: a few minutes of speech. Bounds the prompt and the
 * stored record whatever the audio's length; the cut is marked.
 */
const MAX_TRANSCRIPT_CHARS = 8_000;

export interface DigestMediaDeps {
  /**
   * Twilio account SID and auth token: Twilio media URLs may require them. Sent only to Twilio's
   * hosts and `apiBaseUrl` (see twilio-media-hosts.ts); any other URL is fetched without them.
   */
  fetchAuth: BasicAuth;
  /** The account's configured Twilio API base URL (an emulator): trusted like Twilio's own hosts. */
  apiBaseUrl?: string;
  /** Without one, audio becomes a `failed` digest. */
  transcriber?: AudioTranscriber;
  limits?: Partial<MediaLimits>;
  /** Per download or probe. */
  timeoutMs?: number;
}

const VIDEO_NOTE = 'videos cannot be viewed';

/** One digest per media item, in order. Items are processed concurrently (at most 10 per MMS). */
export async function digestMedia(media: readonly MediaRef[], deps: DigestMediaDeps): Promise<MediaDigest[]> {
  return Promise.all(media.map((item) => digestMediaItem(item, deps)));
}

/** The digest of one media item; never throws (a failure is a `failed` or `too_large` digest). */
export async function digestMediaItem(item: MediaRef, deps: DigestMediaDeps): Promise<MediaDigest> {
  const limits: MediaLimits = { ...DEFAULT_MEDIA_LIMITS, ...deps.limits };
  return digestOne(item, deps, limits).catch((error: unknown) => failureDigest(item.contentType, error));
}

async function digestOne(item: MediaRef, deps: DigestMediaDeps, limits: MediaLimits): Promise<MediaDigest> {
  const contentType = item.contentType;
  const request = {
    ...(mayReceiveTwilioCredentials(item.url, deps.apiBaseUrl) ? { auth: deps.fetchAuth } : {}),
    declaredContentType: contentType,
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  };
  switch (classifyContentType(contentType)) {
    case 'image': {
      const { bytes } = await fetchMedia(item.url, { ...request, maxBytes: limits.imageBytes });
      const mediaType = sniffImageType(bytes);
      if (!mediaType) return { kind: 'failed', contentType, reason: 'the file is not a readable image' };
      return { kind: 'image', mediaType, base64: bytes.toString('base64'), sizeBytes: bytes.length };
    }
    case 'audio': {
      if (!deps.transcriber) return { kind: 'failed', contentType, reason: 'audio transcription is not configured' };
      const { bytes } = await fetchMedia(item.url, { ...request, maxBytes: limits.audioBytes });
      const transcript = await deps.transcriber.transcribe(bytes, contentType);
      return {
        kind: 'audio',
        contentType,
        transcript: capTranscript(transcript.text.trim()),
        ...pick(transcript, 'durationSeconds', 'confidence'),
      };
    }
    case 'video': {
      const { sizeBytes } = await probeMedia(item.url, request);
      return { kind: 'video', contentType, ...(sizeBytes !== undefined ? { sizeBytes } : {}), note: VIDEO_NOTE };
    }
    case 'unsupported':
      return {
        kind: 'unsupported',
        contentType,
        reason: `file type ${bareContentType(contentType) || 'unknown'} is not supported`,
      };
  }
}

function capTranscript(text: string): string {
  return text.length > MAX_TRANSCRIPT_CHARS ? `${text.slice(0, MAX_TRANSCRIPT_CHARS)}… (cut)` : text;
}

function failureDigest(contentType: string, error: unknown): MediaDigest {
  if (error instanceof MediaTooLargeError)
    return { kind: 'too_large', contentType, sizeBytes: error.sizeBytes, limitBytes: error.limitBytes };
  if (error instanceof MediaFetchError)
    return { kind: 'failed', contentType, reason: `download failed: ${error.message}` };
  if (error instanceof MediaTypeMismatchError)
    return { kind: 'failed', contentType, reason: `unexpected content: ${error.message}` };
  if (error instanceof TranscriptionError)
    return { kind: 'failed', contentType, reason: `transcription failed: ${error.message}` };
  return {
    kind: 'failed',
    contentType,
    reason: `unexpected error: ${error instanceof Error ? error.name : 'unknown'}`,
  };
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

export interface MediaPrompt {
  /** For the user turn, after (or before) the message's own text: images and bracketed notes, in media order. */
  content: ContentPart[];
  /**
   * Customer-facing sentences about files we could not use, for the agent to pass on; undefined
   * when every file was usable.
   */
  customerNote: string | undefined;
}

/** Builds the content parts for the user's message and the note the agent must mention. */
export function mediaDigestsToPrompt(digests: readonly MediaDigest[]): MediaPrompt {
  const content: ContentPart[] = [];
  const sentences: string[] = [];
  let mentionSupported = false;
  for (const digest of digests) {
    switch (digest.kind) {
      case 'image':
        content.push(
          digest.base64 !== undefined
            ? { type: 'image', mediaType: digest.mediaType, data: digest.base64 }
            : text(
                digest.caption
                  ? `[an image the customer sent earlier: ${digest.caption}]`
                  : '[an image the customer sent earlier]',
              ),
        );
        break;
      case 'audio':
        content.push(
          text(
            digest.transcript
              ? `[Voice note transcript: ${digest.transcript}]`
              : '[The customer sent a voice note with no recognisable speech]',
          ),
        );
        break;
      case 'video': {
        const details = [
          bareContentType(digest.contentType),
          ...(digest.sizeBytes !== undefined ? [formatByteSize(digest.sizeBytes)] : []),
        ];
        content.push(text(`[The customer sent a video (${details.join(', ')}); ${digest.note}]`));
        break;
      }
      case 'unsupported':
        content.push(
          text(
            `[The customer sent a file that cannot be opened (${bareContentType(digest.contentType) || 'unknown type'})]`,
          ),
        );
        sentences.push(`I can't open that file type (${bareContentType(digest.contentType) || 'unknown'}).`);
        mentionSupported = true;
        break;
      case 'too_large': {
        const what = kindNoun(digest.contentType);
        content.push(
          text(
            `[The customer sent ${withArticle(what)} too large to open (${formatByteSize(digest.sizeBytes)}; limit ${formatByteSize(digest.limitBytes)})]`,
          ),
        );
        sentences.push(`That ${what} is too large for me to open (the limit is ${formatByteSize(digest.limitBytes)}).`);
        break;
      }
      case 'failed': {
        const what = kindNoun(digest.contentType);
        content.push(
          text(
            `[The customer sent ${withArticle(what)} that could not be processed (${formatLabel(digest.contentType)})]`,
          ),
        );
        sentences.push(`I couldn't open the ${what} you sent; could you try sending it again?`);
        break;
      }
      case 'timed_out': {
        const what = kindNoun(digest.contentType);
        content.push(text(`[The customer sent ${withArticle(what)} that could not be read in time]`));
        sentences.push(`I couldn't read the ${what} you sent in time; could you send it again, or type what it says?`);
        break;
      }
    }
  }
  if (mentionSupported) sentences.push(supportedMediaSentence());
  const unique = [...new Set(sentences)];
  return { content, customerNote: unique.length > 0 ? unique.join(' ') : undefined };
}

function text(value: string): TextPart {
  return { type: 'text', text: value };
}

function kindNoun(contentType: string): string {
  const kind = classifyContentType(contentType);
  if (kind === 'image') return 'image';
  if (kind === 'audio') return 'audio file';
  if (kind === 'video') return 'video';
  return 'file';
}

function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}
