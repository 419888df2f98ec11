import { DocumentError } from './errors';

/**
 * Which kind of document some bytes are: from the declared content type, the file name's extension and
 * the bytes themselves. The bytes win over the labels when they are unambiguous (a PDF header, a PNG, a
 * ZIP), because uploads and web servers mislabel files routinely.
 */

export type DocumentType = 'text/plain' | 'text/markdown' | 'text/html' | 'application/pdf';

const SUPPORTED = 'plain text (.txt), Markdown (.md), HTML (.html) or PDF (.pdf)';

/** Declared types that say nothing about the content: decide by extension and bytes. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

const DECLARED: Record<string, DocumentType> = {
  'text/plain': 'text/plain',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
  'text/html': 'text/html',
  'application/xhtml+xml': 'text/html',
  'application/pdf': 'application/pdf',
  'application/x-pdf': 'application/pdf',
};

const EXTENSIONS: Record<string, DocumentType> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'text/html',
  pdf: 'application/pdf',
};

/** Binary formats people upload by mistake, named so the error says what the file actually is. */
const BINARY_SIGNATURES: { name: string; magic: number[] }[] = [
  { name: 'a PNG image', magic: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'a JPEG image', magic: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', magic: [0x47, 0x49, 0x46, 0x38] },
  { name: 'a ZIP archive (e.g. .docx, .xlsx, .pptx)', magic: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'a gzip archive', magic: [0x1f, 0x8b] },
  { name: 'a legacy Office file (.doc, .xls)', magic: [0xd0, 0xcf, 0x11, 0xe0] },
  { name: 'a RIFF file (audio, video or WebP)', magic: [0x52, 0x49, 0x46, 0x46] },
  { name: 'an RTF file', magic: [0x7b, 0x5c, 0x72, 0x74, 0x66] },
];

export interface DetectInput {
  bytes: Uint8Array;
  /** As declared by the uploader or the HTTP response, parameters included (`text/html; charset=utf-8`). */
  contentType?: string;
  fileName?: string;
}

export interface DetectedType {
  type: DocumentType;
  /** The `charset` parameter of the declared type, when there is one. */
  charset?: string;
}

export function detectDocumentType(input: DetectInput): DetectedType {
  const { mediaType, charset } = parseContentType(input.contentType);
  const withCharset = (type: DocumentType): DetectedType => (charset ? { type, charset } : { type });

  // A PDF may have a few bytes of junk before its header (the spec allows 1 KiB); readers accept it.
  if (indexOfAscii(input.bytes, '%PDF-', 1024) >= 0) return { type: 'application/pdf' };
  const binary = BINARY_SIGNATURES.find((s) => startsWith(input.bytes, s.magic));
  if (binary) throw new DocumentError('unsupported_type', `This is ${binary.name}; supported: ${SUPPORTED}.`);

  const declared = DECLARED[mediaType];
  const byExtension = extensionType(input.fileName);
  if (declared === 'application/pdf' || (!declared && byExtension === 'application/pdf')) {
    // Labelled PDF but no PDF header: a damaged file or an error page saved under the wrong name.
    throw new DocumentError(
      'unreadable',
      'The file is labelled as a PDF but has no PDF header; it is damaged or not a PDF.',
    );
  }
  if (!declared && !GENERIC_TYPES.has(mediaType)) {
    throw new DocumentError('unsupported_type', `Unsupported content type ${mediaType}; supported: ${SUPPORTED}.`);
  }
  // `text/plain` is what many servers and browsers say for any text file; a Markdown or HTML name is more precise.
  if (declared && declared !== 'text/plain') return withCharset(declared);
  if (byExtension) return withCharset(byExtension);
  if (input.fileName && hasExtension(input.fileName) && !declared) {
    throw new DocumentError(
      'unsupported_type',
      `Unsupported file type (${extensionOf(input.fileName)}); supported: ${SUPPORTED}.`,
    );
  }
  if (declared) return withCharset(declared);
  return withCharset(sniffText(input.bytes));
}

/** Lower-cased media type and charset of a Content-Type header value. */
function parseContentType(value: string | undefined): { mediaType: string; charset?: string } {
  if (!value) return { mediaType: '' };
  const [type = '', ...params] = value.split(';');
  const charsetParam = params.map((p) => p.trim()).find((p) => /^charset=/i.test(p));
  const charset = charsetParam?.slice('charset='.length).replace(/^"|"$/g, '').trim().toLowerCase();
  return charset ? { mediaType: type.trim().toLowerCase(), charset } : { mediaType: type.trim().toLowerCase() };
}

/** The supported type a declared content type names, if any (`undefined` for generic or missing types). */
export function declaredDocumentType(contentType: string | undefined): DocumentType | 'generic' | undefined {
  const { mediaType } = parseContentType(contentType);
  if (GENERIC_TYPES.has(mediaType)) return 'generic';
  return DECLARED[mediaType];
}

function sniffText(bytes: Uint8Array): DocumentType {
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 1024)).trimStart().toLowerCase();
  if (/^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/.test(head)) return 'text/html';
  // An ATX heading at the very top is as sure a sign of Markdown as plain text gives.
  if (/^#{1,6} \S/.test(head)) return 'text/markdown';
  return 'text/plain';
}

function extensionType(fileName: string | undefined): DocumentType | undefined {
  return fileName ? EXTENSIONS[extensionOf(fileName)] : undefined;
}

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function hasExtension(fileName: string): boolean {
  return extensionOf(fileName) !== '';
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function indexOfAscii(bytes: Uint8Array, needle: string, within: number): number {
  const end = Math.min(bytes.length - needle.length, within);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}
