import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DocumentError } from './errors';
import type { ExtractedSection } from './sections';
import { normalizeText } from './text';

/**
 * PDF to one section per page (page numbers kept for citations), read in a worker thread: PDF.js is
 * ESM-only (it cannot load in the CommonJS test runtime) and parses untrusted files, so the worker also
 * bounds its memory and time — a hostile PDF ends the worker, not the orchestrator.
 */

/** What the worker posts back. */
export type PdfWorkerReply =
  | { ok: true; pages: string[]; pageCount: number; title?: string }
  | { ok: false; code: 'encrypted' | 'unreadable'; detail: string };

export interface PdfLimits {
  /** Wall-clock bound on parsing; default 60 s. */
  timeoutMs?: number;
  /** Heap bound for the parser; default 512 MiB. */
  maxMemoryMb?: number;
}

const WORKER_FILE = path.join(__dirname, 'pdf-worker.ts');
/**
 * The worker registers tsx's CommonJS hooks, then loads the TypeScript worker: the same in production
 * (`node --import tsx`, whose ESM hooks do not reach worker threads) and under jest (whose transform does not either).
 */
const WORKER_BOOTSTRAP = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(WORKER_FILE)});`;

export async function extractPdf(
  bytes: Uint8Array,
  limits: PdfLimits = {},
): Promise<{ title?: string; sections: ExtractedSection[]; pageCount: number }> {
  const reply = await runWorker(bytes, limits);
  if (!reply.ok) {
    if (reply.code === 'encrypted') {
      throw new DocumentError('encrypted', 'The PDF is password-protected; upload a copy without a password.');
    }
    throw new DocumentError('unreadable', 'The PDF is damaged or truncated and could not be read.');
  }
  const sections = reply.pages
    .map((text, i) => ({ page: i + 1, text: normalizeText(text) }))
    .filter((s) => s.text !== '');
  if (sections.length === 0) {
    throw new DocumentError(
      'no_text',
      `The PDF has ${reply.pageCount} page${reply.pageCount === 1 ? '' : 's'} but no text layer (a scan or images only); it would need OCR.`,
    );
  }
  return { ...(reply.title ? { title: normalizeText(reply.title) } : {}), sections, pageCount: reply.pageCount };
}

function runWorker(bytes: Uint8Array, limits: PdfLimits): Promise<PdfWorkerReply> {
  const timeoutMs = limits.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      workerData: bytes,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb ?? 512 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => settle(() => reject(new DocumentError('unreadable', `Reading the PDF took longer than ${timeoutMs} ms.`))),
      timeoutMs,
    );
    worker.once('message', (reply: PdfWorkerReply) => settle(() => resolve(reply)));
    worker.once('error', (error) =>
      settle(() =>
        reject(
          error instanceof Error && 'code' in error && error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new DocumentError('unreadable', 'Reading the PDF needed more memory than allowed.')
            : error,
        ),
      ),
    );
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`The PDF reader stopped (exit code ${code}) without an answer.`))),
    );
  });
}
