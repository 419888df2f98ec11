import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/** Where `npm run build:console` writes the console (Vite's outDir). */
const CONSOLE_DIST_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console');

/**
 * Only our own files: no inline script or style, no other origin. `media-src blob:` for recordings
 * played from fetched bytes; `connect-src 'self'` covers the API, server-sent events and the browser
 * call's same-origin WebSocket.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
}

/**
 * `/console`: the built single-page app. Hashed assets (`assets/*`) are cached for a year; index.html
 * never (a deploy is seen at once), and it answers every client route (`/console/calls/CA…`). Answers
 * 503 with what to run while the console is not built.
 */
export function consoleStatic(dir: string = CONSOLE_DIST_DIR): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  let built = false;
  const isBuilt = () => (built ||= existsSync(index));

  router.use((req, res, next) => {
    secure(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).setHeader('Allow', 'GET, HEAD').json({ error: 'the console is read with GET' });
      return;
    }
    if (!isBuilt()) {
      res
        .status(503)
        .type('text/plain')
        .setHeader('Cache-Control', 'no-store')
        .send('The console is not built: run `npm run build:console` (npm run dev builds it), then reload.\n');
      return;
    }
    // `/console` → `/console/`: relative asset URLs and the router's basename need the slash.
    if (req.originalUrl.split('?')[0] === req.baseUrl) {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    next();
  });

  router.use(
    express.static(dir, {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (res, file) => {
        const hashed = path.relative(dir, file).startsWith(`assets${path.sep}`);
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );

  router.use((req, res) => {
    // A missing asset is a 404, not the app: a stale index.html asking for an old hash must fail visibly.
    if (req.path.startsWith('/assets/') || path.extname(req.path) !== '') {
      res.status(404).type('text/plain').send('not found\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
