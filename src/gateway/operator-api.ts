import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z, ZodError } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { idempotencyKeys, type IdempotencyKeyStore } from './idempotency-keys';
import { ApiError } from './api-error';
import { authenticate, type OperatorAccess } from './authentication';
import { sessionRoutes, signInRoutes } from './session-routes';

export { ApiError };

/** Wraps an async handler so thrown ApiError/ZodError become clear 4xx answers, anything else 500. */
export function handle(log: Logger, fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response): void => {
    fn(req, res).catch((error: unknown) => {
      if (error instanceof ApiError)
        res
          .status(error.status)
          .json({ error: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
      else if (error instanceof ZodError)
        res.status(400).json({
          error: 'invalid request',
          issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      else {
        log.error({ err: error, path: req.path }, 'operator API failure');
        res.status(500).json({ error: 'internal error' });
      }
    });
  };
}

/** The JSON answer to an error that reached the operator API's end: ApiError as itself, a bad JSON body 400, else 500. */
function answerError(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    if (error instanceof ApiError) {
      res
        .status(error.status)
        .json({ error: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: `invalid request body: ${(error as Error).message}` });
      return;
    }
    log.error({ err: error, path: req.path }, 'operator API failure');
    res.status(500).json({ error: 'internal error' });
  };
}

/**
 * `/api`: sign-in first (`POST /api/session`), then authentication (root key, operator API key, or
 * session cookie + CSRF) and the audit of unsafe requests, then each concern's router.
 */
export function operatorApi(
  config: ConfigStore,
  routers: Router[],
  keys: { store: IdempotencyKeyStore; log: Logger },
  access: OperatorAccess,
): Router {
  const api = Router();
  api.use(signInRoutes(config, access, keys.log));
  api.use(authenticate(config, access, keys.log));
  api.use(express.json({ limit: '1mb' }));
  api.use(sessionRoutes(config, access, keys.log));
  api.use(idempotencyKeys(keys.store, keys.log));
  for (const router of routers) api.use(router);
  api.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  api.use(answerError(keys.log));
  return api;
}

export const AccountQuery = z.object({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)')
    .optional(),
});
