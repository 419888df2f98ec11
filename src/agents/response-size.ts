/** Tool results are cut to a size the model can take; cut on a character, with a note that says so. */

/** At most `max` bytes of UTF-8, never splitting a character. */
export function cutToBytes(text: string, max: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return { text, cut: false };
  let end = max;
  // Back up to the start of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}

/** The text within `max` bytes; when cut, the note says how much there was (`size`, default its byte length). */
export function withinBytes(text: string, max: number, size = `${Buffer.byteLength(text)} bytes`): string {
  const shown = cutToBytes(text, max);
  if (!shown.cut) return text;
  return `${shown.text}… [cut: the response was ${size}; only the first ${max} bytes are shown]`;
}
