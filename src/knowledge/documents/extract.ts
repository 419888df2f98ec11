import { detectDocumentType, type DetectInput } from './detect';
import { DocumentError, tooBig } from './errors';
import { extractHtml } from './html';
import { extractMarkdown } from './markdown';
import { extractPdf, type PdfLimits } from './pdf';
import type { ExtractedDocument, ExtractedSection } from './sections';
import { decodeText, paragraphsOf } from './text';

export interface ExtractOptions {
  /** Larger documents are refused with `too_big` (config: `knowledge.documents.maxBytes`). */
  maxBytes: number;
  /** Bounds on the PDF reader. */
  pdf?: PdfLimits;
}

/**
 * A document's bytes to its title and text sections. Throws a `DocumentError`: `empty`, `too_big`,
 * `unsupported_type`, and for PDFs `no_text`, `unreadable` or `encrypted`.
 */
export async function extractDocument(input: DetectInput, options: ExtractOptions): Promise<ExtractedDocument> {
  if (input.bytes.length > options.maxBytes) throw tooBig(options.maxBytes);
  if (input.bytes.length === 0) throw new DocumentError('empty', 'The document is empty.');
  const { type, charset } = detectDocumentType(input);

  let extracted: { title?: string; sections: ExtractedSection[]; pageCount?: number };
  switch (type) {
    case 'application/pdf':
      extracted = await extractPdf(input.bytes, options.pdf);
      break;
    case 'text/html':
      extracted = extractHtml(decodeText(input.bytes, charset));
      break;
    case 'text/markdown':
      extracted = extractMarkdown(decodeText(input.bytes, charset));
      break;
    case 'text/plain': {
      const text = paragraphsOf(decodeText(input.bytes, charset)).join('\n\n');
      extracted = { sections: text === '' ? [] : [{ text }] };
      break;
    }
  }
  if (extracted.sections.length === 0) {
    throw new DocumentError('empty', 'The document has no text (only whitespace or markup).');
  }
  return { type, ...extracted };
}
