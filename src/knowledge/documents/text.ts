import { DocumentError } from './errors';

/** Decoding bytes to text and the whitespace clean-up every extractor shares. */

/**
 * Bytes to a string: a UTF-8/UTF-16 byte-order mark or a declared charset wins, then strict UTF-8, then
 * Windows-1252 (legacy text files are usually that). Binary data is refused rather than indexed as
 * mojibake.
 */
export function decodeText(bytes: Uint8Array, charset?: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strictUtf8(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (looksBinary(bytes)) {
    throw new DocumentError(
      'unsupported_type',
      'The file is binary data, not text; supported: plain text (.txt), Markdown (.md), HTML (.html) or PDF (.pdf).',
    );
  }
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // An unknown charset label: fall through to the usual guesses.
    }
  }
  try {
    return strictUtf8(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function strictUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** NUL bytes, or more than 5% control characters other than whitespace, in the first 8 KiB. */
function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  let control = 0;
  for (const b of sample) {
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  return control > sample.length * 0.05;
}

/**
 * Uniform whitespace: Unix line ends, no control characters, single spaces, trimmed lines, at most one
 * blank line between paragraphs. Words hyphenated across a line break are joined ("refund-\npolicy" →
 * "refundpolicy" only when the continuation is lower case, so "Jean-\nPierre" and "2026-\n11" keep their
 * hyphens; a genuinely hyphenated compound broken there loses its hyphen, a price worth paying for search).
 */
export function normalizeText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      .replace(/[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\f\v]/g, ' ')
      .replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
      .replace(/(\p{Ll})-[ ]*\n[ ]*(\p{Ll})/gu, '$1$2')
      .replace(/[ ]{2,}/g, ' ')
      .replace(/[ ]*\n[ ]*/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Normalised paragraphs (separated by blank lines), empty ones dropped. */
export function paragraphsOf(text: string): string[] {
  return normalizeText(text)
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
