import { timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z, ZodError } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { idempotencyKeys, type IdempotencyKeyStore } from './idempotency-keys';
import { ApiError } from './api-error';
import { ROOT_PRINCIPAL } from './principal';

export { ApiError };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `X-API-Key: <key>` or `Authorization: Bearer <key>`, compared in constant time. */
function requireOperatorKey(config: ConfigStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const expected = config.get().operatorApiKey;
    if (!expected) {
      res.status(503).json({ error: 'operator API disabled: set OPERATOR_API_KEY' });
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    const presented = req.header('x-api-key') ?? bearer;
    if (!presented || !sameSecret(presented, expected)) {
      res.status(401).json({ error: 'missing or invalid API key' });
      return;
    }
    res.locals.principal = ROOT_PRINCIPAL;
    next();
  };
}

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

/** `/api`: API-key protected JSON routes; each concern contributes a router. */
export function operatorApi(
  config: ConfigStore,
  routers: Router[],
  keys: { store: IdempotencyKeyStore; log: Logger },
): Router {
  const api = Router();
  api.use(requireOperatorKey(config));
  api.use(express.json({ limit: '1mb' }));
  api.use(idempotencyKeys(keys.store, keys.log));
  for (const router of routers) api.use(router);
  api.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return api;
}

export const AccountQuery = z.object({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)')
    .optional(),
});

/**
 * The account an operator request is about: the one named, or the only one configured. With several
 * accounts and none named the request is ambiguous (customers are per account).
 */
export function requestAccount(config: ConfigStore, named: string | undefined): string {
  const accounts = config.get().twilio.accounts.map((a) => a.accountSid);
  if (named) {
    if (!accounts.includes(named)) throw new ApiError(400, `accountSid: account ${named} is not configured`);
    return named;
  }
  if (accounts.length === 1) return accounts[0]!;
  throw new ApiError(400, 'accountSid: required when more than one account is configured');
}
