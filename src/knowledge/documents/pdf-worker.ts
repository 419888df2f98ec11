/**
 * Runs in a worker thread (see pdf.ts): reads a PDF with unpdf (PDF.js) and posts back each page's text.
 * PDF.js is ESM-only and parses untrusted input, so it lives here, where a hang or a memory blow-up ends
 * with the worker instead of the process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getDocumentProxy } from 'unpdf';
import type { PdfWorkerReply } from './pdf';

interface PositionedText {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

async function read(bytes: Uint8Array): Promise<PdfWorkerReply> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(bytes, { verbosity: 0 });
  } catch (error) {
    return failure(error);
  }
  try {
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      pages.push(pageText(content.items.filter((i): i is PositionedText & typeof i => 'str' in i)));
      page.cleanup();
    }
    const meta = await pdf.getMetadata().catch(() => undefined);
    const info: { Title?: unknown } | undefined = meta?.info;
    const title = typeof info?.Title === 'string' && info.Title.trim() !== '' ? info.Title.trim() : undefined;
    return { ok: true, pages, pageCount: pdf.numPages, ...(title ? { title } : {}) };
  } catch (error) {
    return failure(error);
  }
  // No clean-up: the worker ends after one document, and everything it allocated with it.
}

/** A page's text items in order; a vertical gap of more than a line and a half starts a new paragraph. */
function pageText(items: PositionedText[]): string {
  let text = '';
  let lastY: number | undefined;
  let lastHeight = 0;
  for (const item of items) {
    const y = item.transform[5];
    if (y !== undefined && lastY !== undefined && text.endsWith('\n')) {
      const gap = Math.abs(lastY - y);
      if (gap > Math.max(lastHeight, item.height, 1) * 1.5) text += '\n';
    }
    text += item.str + (item.hasEOL ? '\n' : '');
    if (item.str !== '') {
      lastY = y;
      lastHeight = item.height;
    }
  }
  return text;
}

function failure(error: unknown): PdfWorkerReply {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return { ok: false, code: 'encrypted', detail: name };
  return {
    ok: false,
    code: 'unreadable',
    detail: error instanceof Error ? `${name}: ${error.message}` : String(error),
  };
}

void read(workerData as Uint8Array).then((reply) => parentPort?.postMessage(reply));
