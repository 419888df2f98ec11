import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ApiError } from './operator-api';

/** What an operator sent to add (or replace) a document: a file's bytes, or a URL to fetch. */
export type DocumentSubmission =
  | { kind: 'file'; bytes: Buffer; contentType?: string; filename?: string; title?: string }
  | { kind: 'url'; url: string; title?: string; refreshEvery?: number };

const UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const LONGEST_REFRESH_SECONDS = 30 * 86_400;

/** Seconds, or a duration like `90s`, `15m`, `6h`, `1d`; answered in seconds. */
const RefreshEvery = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^\d+[smhd]$/, 'a number of seconds, or a duration like "15m", "6h", "1d"')
      .transform((d) => Number(d.slice(0, -1)) * UNITS[d.slice(-1) as keyof typeof UNITS]),
  ])
  .pipe(z.number().min(1, 'at least 1 second').max(LONGEST_REFRESH_SECONDS, 'at most 30 days'));

const Title = z.string().trim().min(1).max(300);

const UrlBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2_000)
      .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials'),
    title: Title.optional(),
    refreshEvery: RefreshEvery.optional(),
  })
  .strict();

/** `title` and `filename` of a raw upload, from the query string. */
const RawUploadQuery = z.object({ title: Title.optional(), filename: z.string().trim().min(1).max(255).optional() });

const MultipartFields = z.object({ title: Title.optional() });

function isMultipart(req: Request): boolean {
  return Boolean(req.is('multipart/form-data'));
}

/** Multer's and body-parser's refusals as the operator API's clear 4xx answers. */
function bodyError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE')
      return new ApiError(413, `the file is larger than the limit of ${maxBytes} bytes`, 'too_big');
    if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
      return new ApiError(400, 'send one file, in the form field "file"', 'invalid_upload');
    return new ApiError(400, `invalid multipart upload: ${error.message}`, 'invalid_upload');
  }
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large')
    return new ApiError(413, `the file is larger than the limit of ${maxBytes} bytes`, 'too_big');
  return new ApiError(
    400,
    `unreadable request body: ${error instanceof Error ? error.message : String(error)}`,
    'invalid_upload',
  );
}

/**
 * Reads a document's body in any of the three forms (JSON was parsed already by the operator API):
 * `multipart/form-data` with one file in `file` (and an optional `title` field), or the raw bytes
 * under their own Content-Type. Bodies past `maxBytes()` are refused with 413 while they arrive.
 */
export function documentBody(maxBytes: () => number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const max = maxBytes();
    const done = (error?: unknown): void => {
      if (error === undefined) {
        next();
        return;
      }
      const apiError = bodyError(error, max);
      res.status(apiError.status).json({ error: apiError.message, code: apiError.code });
    };
    if (req.is('application/json')) next();
    else if (isMultipart(req))
      multer({ storage: multer.memoryStorage(), limits: { fileSize: max, files: 1, fields: 10 } }).single('file')(
        req,
        res,
        done,
      );
    else express.raw({ type: () => true, limit: max })(req, res, done);
  };
}

/** The submission in the request, or a 400 saying what is wrong with it. */
export function documentSubmission(req: Request): DocumentSubmission {
  if (req.is('application/json')) {
    const body = UrlBody.parse(req.body ?? {});
    return {
      kind: 'url',
      url: body.url,
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.refreshEvery !== undefined ? { refreshEvery: body.refreshEvery } : {}),
    };
  }
  if (isMultipart(req)) {
    if (!req.file) throw new ApiError(400, 'send one file, in the form field "file"', 'invalid_upload');
    const { title } = MultipartFields.parse(req.body ?? {});
    const declared = req.file.mimetype;
    return {
      kind: 'file',
      bytes: req.file.buffer,
      // Browsers and curl say application/octet-stream when they do not know: let detection decide.
      ...(declared && declared !== 'application/octet-stream' ? { contentType: declared } : {}),
      ...(req.file.originalname ? { filename: req.file.originalname } : {}),
      ...(title !== undefined ? { title } : {}),
    };
  }
  const query = RawUploadQuery.parse(req.query);
  const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const declared = req.header('content-type')?.split(';')[0]?.trim();
  return {
    kind: 'file',
    bytes,
    ...(declared && declared !== 'application/octet-stream' ? { contentType: declared } : {}),
    ...(query.filename !== undefined ? { filename: query.filename } : {}),
    ...(query.title !== undefined ? { title: query.title } : {}),
  };
}
