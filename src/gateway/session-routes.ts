import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { ALL_ACCOUNTS_SCOPE } from '../operators/audit-log';
import type { Operator } from '../operators/operator-store';
import { verifyNothing, verifyPassword } from '../operators/secrets';
import { SignInThrottle } from '../operators/sign-in-throttle';
import type { OperatorView, SessionView } from './api-types';
import { auditNote } from './audit-context';
import {
  SESSION_COOKIE,
  clearSessionCookie,
  csrfTokenOf,
  keyPrincipal,
  operatorPrincipal,
  principalScope,
  rootKeyHash,
  sessionPrincipal,
  type OperatorAccess,
} from './authentication';
import { ApiError } from './api-error';
import { principalOf, seesAccount, type Principal } from './principal';

const PasswordSignIn = z
  .object({
    email: z.string().trim().max(320).pipe(z.email('must be an email address')),
    password: z.string().min(1, 'required').max(1024),
  })
  .strict();
const KeySignIn = z.object({ apiKey: z.string().trim().min(1, 'required').max(512) }).strict();

/** One answer for every failed sign-in: it does not tell whether the email exists. */
const INVALID = 'wrong email or password, or invalid API key';

export function operatorView(principal: Principal, operator?: Operator): OperatorView {
  return {
    operatorId: principal.operatorId,
    name: principal.name,
    ...(operator ? { email: operator.email } : {}),
    role: principal.role,
    accounts: principal.accounts,
  };
}

function sessionView(
  config: ConfigStore,
  principal: Principal,
  operator: Operator | undefined,
  token: string,
  expiresAt: Date,
): SessionView {
  const { twilio, temporal } = config.get();
  return {
    operator: operatorView(principal, operator),
    csrfToken: csrfTokenOf(token),
    expiresAt: expiresAt.toISOString(),
    accounts: twilio.accounts
      .filter((a) => seesAccount(principal, a.accountSid))
      .map((a) => ({ accountSid: a.accountSid, name: a.name, phoneNumbers: a.phoneNumbers })),
    ...(temporal.uiUrl ? { temporalUiUrl: temporal.uiUrl } : {}),
    temporalNamespace: temporal.namespace,
  };
}

/** 400 naming the fields at fault, in the shape the operator API gives every invalid body. */
function invalidBody(res: Response, error: z.ZodError): void {
  res.status(400).json({
    error: `invalid sign-in: ${error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
    issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/**
 * `POST /api/session` (sign in with email and password, or an API key: sets the `beluga_session`
 * cookie and answers the SessionView with its CSRF token), before authentication.
 */
export function signInRoutes(config: ConfigStore, access: OperatorAccess, log: Logger): Router {
  const router = Router();
  const throttle = new SignInThrottle();

  router.post('/session', express.json({ limit: '16kb' }), (req: Request, res: Response) => {
    void signIn(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'sign-in failed on our side');
      if (!res.headersSent) res.status(500).json({ error: 'internal error' });
    });
  });

  async function signIn(req: Request, res: Response): Promise<void> {
    const body: unknown = req.body ?? {};
    const byKey = typeof body === 'object' && body !== null && 'apiKey' in body;
    const parsed = byKey ? KeySignIn.safeParse(body) : PasswordSignIn.safeParse(body);
    if (!parsed.success) return invalidBody(res, parsed.error);
    const email = 'email' in parsed.data ? parsed.data.email.toLowerCase() : undefined;
    const throttleKeys = [`ip:${req.ip ?? ''}`, ...(email ? [`email:${email}`] : [])];
    const audit = (entry: { principal?: Principal; action: string; status: number }) =>
      access.audit
        .record({
          operatorId: entry.principal?.operatorId ?? 'unknown',
          operatorName: entry.principal?.name ?? 'unknown',
          action: entry.action,
          // The email tried, never the password or key.
          ...(email ? { target: email } : {}),
          scope: entry.principal ? principalScope(entry.principal) : [ALL_ACCOUNTS_SCOPE],
          status: entry.status,
          via: 'session',
          ...(req.ip ? { ip: req.ip } : {}),
        })
        .catch((error: unknown) => log.error({ err: error }, 'audit entry not recorded'));

    const wait = throttle.retryAfter(throttleKeys, config.get().console.signInFailureLimit);
    if (wait > 0) {
      await audit({ action: 'session.sign_in_failed', status: 429 });
      res.setHeader('retry-after', String(wait));
      res.status(429).json({ error: `too many failed sign-ins: try again in ${wait} s`, code: 'throttled' });
      return;
    }

    let principal: Principal | undefined;
    let operator: Operator | undefined;
    let known: Principal | undefined;
    if ('apiKey' in parsed.data) {
      principal = await keyPrincipal(config, access, parsed.data.apiKey);
      if (principal?.kind === 'operator') operator = await access.operators.get(principal.operatorId);
    } else {
      const found = await access.operators.withPassword(parsed.data.email);
      if (found) known = operatorPrincipal(found.operator, 'session');
      // The same scrypt work whether or not the email exists, has a password, or is disabled.
      const ok =
        found?.passwordHash && !found.operator.disabled
          ? await verifyPassword(parsed.data.password, found.passwordHash)
          : await verifyNothing(parsed.data.password);
      if (ok && found) {
        operator = found.operator;
        principal = known;
      }
    }
    if (!principal) {
      throttle.fail(throttleKeys);
      await audit({ ...(known ? { principal: known } : {}), action: 'session.sign_in_failed', status: 401 });
      res.status(401).json({ error: INVALID, code: 'invalid_credentials' });
      return;
    }
    if (email) throttle.succeed([`email:${email}`]);
    const rootKey = config.get().operatorApiKey;
    const { token, expiresAt } = await access.operators.createSession(
      principal.operatorId,
      config.get().console.sessionTtlMinutes * 60_000,
      principal.kind === 'root' && rootKey ? { rootKeyHash: rootKeyHash(rootKey) } : {},
    );
    const signedIn: Principal = { ...principal, via: 'session' };
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: req.secure,
      expires: expiresAt,
    });
    await audit({ principal: signedIn, action: 'session.sign_in', status: 200 });
    res.json(sessionView(config, signedIn, operator, token, expiresAt));
  }

  return router;
}

/** `GET /api/session` (who is signed in, the CSRF token) and `DELETE /api/session` (sign out), after authentication. */
export function sessionRoutes(config: ConfigStore, access: OperatorAccess, log: Logger): Router {
  const router = Router();

  const sessionToken = (res: Response): string => {
    const token = res.locals.sessionToken as string | undefined;
    if (!token) throw new ApiError(400, 'no session: this request was authenticated by an API key');
    return token;
  };

  router.get('/session', (_req, res, next) => {
    void (async () => {
      const token = sessionToken(res);
      const current = await sessionPrincipal(config, access, token);
      if (!current) throw new ApiError(401, 'session expired or signed out: sign in again', 'session_expired');
      const operator =
        current.principal.kind === 'operator' ? await access.operators.get(current.principal.operatorId) : undefined;
      res.json(sessionView(config, current.principal, operator, token, current.expiresAt));
    })().catch(next);
  });

  router.delete('/session', (req, res, next) => {
    void (async () => {
      const token = sessionToken(res);
      const principal = principalOf(res);
      await access.operators.endSession(token);
      clearSessionCookie(req, res);
      auditNote(res, { skip: true });
      await access.audit
        .record({
          operatorId: principal.operatorId,
          operatorName: principal.name,
          action: 'session.sign_out',
          scope: principalScope(principal),
          status: 204,
          via: 'session',
          ...(req.ip ? { ip: req.ip } : {}),
        })
        .catch((error: unknown) => log.error({ err: error }, 'audit entry not recorded'));
      res.status(204).end();
    })().catch(next);
  });

  return router;
}
