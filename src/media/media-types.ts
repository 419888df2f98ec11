/** What inbound media we can use, how big it may be, and how to say so to a customer. */

export type MediaKind = 'image' | 'audio' | 'video' | 'unsupported';

/** The image types the Anthropic API accepts in a base64 image block. */
export type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

interface KnownType {
  kind: Exclude<MediaKind, 'unsupported'>;
  /** Short format name for customer-facing sentences. */
  label: string;
}

/**
 * Keyed by the bare media type (no parameters, lower case). Aliases seen in the wild (image/jpg,
 * audio/x-wav, ...) map to the same label. AMR/3GP audio is included because WhatsApp and MMS
 * carry it and AssemblyAI transcribes it; QuickTime/3GP video because phones send them and we only
 * acknowledge videos anyway.
 */
const KNOWN_TYPES: Record<string, KnownType> = {
  'image/jpeg': { kind: 'image', label: 'JPEG' },
  'image/jpg': { kind: 'image', label: 'JPEG' },
  'image/pjpeg': { kind: 'image', label: 'JPEG' },
  'image/png': { kind: 'image', label: 'PNG' },
  'image/gif': { kind: 'image', label: 'GIF' },
  'image/webp': { kind: 'image', label: 'WebP' },
  'audio/mpeg': { kind: 'audio', label: 'MP3' },
  'audio/mp3': { kind: 'audio', label: 'MP3' },
  'audio/mpeg3': { kind: 'audio', label: 'MP3' },
  'audio/wav': { kind: 'audio', label: 'WAV' },
  'audio/x-wav': { kind: 'audio', label: 'WAV' },
  'audio/wave': { kind: 'audio', label: 'WAV' },
  'audio/vnd.wave': { kind: 'audio', label: 'WAV' },
  'audio/ogg': { kind: 'audio', label: 'OGG' },
  'audio/opus': { kind: 'audio', label: 'OGG' },
  'application/ogg': { kind: 'audio', label: 'OGG' },
  'audio/mp4': { kind: 'audio', label: 'M4A' },
  'audio/x-m4a': { kind: 'audio', label: 'M4A' },
  'audio/m4a': { kind: 'audio', label: 'M4A' },
  'audio/aac': { kind: 'audio', label: 'AAC' },
  'audio/x-aac': { kind: 'audio', label: 'AAC' },
  'audio/amr': { kind: 'audio', label: 'AMR' },
  'audio/3gpp': { kind: 'audio', label: '3GP' },
  'video/mp4': { kind: 'video', label: 'MP4' },
  'video/webm': { kind: 'video', label: 'WebM' },
  'video/quicktime': { kind: 'video', label: 'MOV' },
  'video/3gpp': { kind: 'video', label: '3GP' },
};

/** Types that say nothing about the content; a server serving these cannot contradict the declared type. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/binary']);

const MIB = 1024 * 1024;

/**
 * Anthropic's 5 MB per-image limit applies to the base64 string, so the raw bytes may be at most
 * 3/4 of it (3.75 MiB); anything larger would be rejected by the API after we paid to download it.
 */
const ANTHROPIC_IMAGE_BASE64_LIMIT_BYTES = 5 * MIB;

export interface MediaLimits {
  /** Largest image we download (raw bytes). */
  imageBytes: number;
  /** Largest audio file we download and send for transcription. */
  audioBytes: number;
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = Object.freeze({
  imageBytes: (ANTHROPIC_IMAGE_BASE64_LIMIT_BYTES / 4) * 3,
  audioBytes: 25 * MIB,
});

/** `Audio/OGG; codecs=opus` -> `audio/ogg`. */
export function bareContentType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

export function classifyContentType(contentType: string | null | undefined): MediaKind {
  return KNOWN_TYPES[bareContentType(contentType)]?.kind ?? 'unsupported';
}

/** Short format name (`PNG`, `MP3`), or the bare type itself when unknown. */
export function formatLabel(contentType: string): string {
  const bare = bareContentType(contentType);
  return KNOWN_TYPES[bare]?.label ?? bare;
}

/**
 * Whether a served Content-Type is compatible with the type Twilio declared. A missing or generic
 * served type cannot be checked and passes; otherwise both must be the same kind (so `audio/mp3`
 * vs `audio/mpeg` passes, an HTML error page served for an image does not).
 */
export function contentTypesAgree(declared: string, served: string | null | undefined): boolean {
  const servedBare = bareContentType(served);
  if (GENERIC_TYPES.has(servedBare)) return true;
  const declaredKind = classifyContentType(declared);
  if (declaredKind === 'unsupported') return bareContentType(declared) === servedBare;
  return classifyContentType(servedBare) === declaredKind;
}

/**
 * The real image type from the file's first bytes. Anthropic rejects an image block whose
 * `media_type` does not match the data, and phones do mislabel (PNG screenshots sent as JPEG).
 */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | undefined {
  const startsWith = (signature: number[], offset = 0): boolean =>
    bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);
  if (startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith([0x47, 0x49, 0x46, 0x38, 0x37, 0x61]) || startsWith([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))
    return 'image/gif';
  if (startsWith([0x52, 0x49, 0x46, 0x46]) && startsWith([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

function uniqueLabels(kind: MediaKind): string[] {
  return [
    ...new Set(
      Object.values(KNOWN_TYPES)
        .filter((t) => t.kind === kind)
        .map((t) => t.label),
    ),
  ];
}

/** "I can read images (JPEG, PNG, GIF, WebP), listen to audio (MP3, ...) and note videos (MP4, ...)." */
export function supportedMediaSentence(): string {
  const list = (kind: MediaKind): string => uniqueLabels(kind).join(', ');
  return `I can read images (${list('image')}), listen to audio (${list('audio')}) and note videos (${list('video')}).`;
}

/** "2.1 MB", "340 KB", "12 bytes": sizes for customer-facing text. */
export function formatByteSize(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}
