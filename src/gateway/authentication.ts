import type { NextFunction, Request, Response } from 'express';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { ALL_ACCOUNTS_SCOPE, type AuditLog } from '../operators/audit-log';
import type { Operator, OperatorStore, StoredSession } from '../operators/operator-store';
import { sameSecret, secretHash } from '../operators/secrets';
import { auditNotes } from './audit-context';
import { ROOT_PRINCIPAL, type Principal } from './principal';

/** The console's session cookie (HttpOnly, SameSite=Strict; its value is stored only as a hash). */
export const SESSION_COOKIE = 'beluga_session';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isUnsafe = (method: string) => UNSAFE_METHODS.has(method);

/** What authentication needs: the live config (root key, session TTL), operators and the audit log. */
export interface OperatorAccess {
  operators: OperatorStore;
  audit: AuditLog;
}

export function operatorPrincipal(operator: Operator, via: Principal['via']): Principal {
  return {
    kind: 'operator',
    operatorId: operator.id,
    name: operator.name,
    role: operator.role,
    accounts: operator.accounts,
    via,
  };
}

/** The CSRF token of a session: derived from its cookie, so nothing more is stored and only the cookie's holder can know it. */
export function csrfTokenOf(sessionToken: string): string {
  return secretHash('csrf', sessionToken);
}

export function rootKeyHash(rootKey: string): string {
  return secretHash('api-key', rootKey);
}

/** When a session ends: at its stored expiry, or earlier when the configured TTL was shortened since. */
export function sessionEnd(session: StoredSession, config: ConfigStore): Date {
  const ttlMs = config.get().console.sessionTtlMinutes * 60_000;
  return new Date(Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + ttlMs));
}

/** The principal of a live session token, with when the session ends; undefined when expired, ended or its operator gone. */
export async function sessionPrincipal(
  config: ConfigStore,
  access: OperatorAccess,
  token: string,
): Promise<{ principal: Principal; expiresAt: Date } | undefined> {
  const session = await access.operators.session(token);
  if (!session) return undefined;
  const expiresAt = sessionEnd(session, config);
  if (expiresAt.getTime() <= Date.now()) {
    await access.operators.endSession(token);
    return undefined;
  }
  if (session.operatorId === ROOT_PRINCIPAL.operatorId) {
    const rootKey = config.get().operatorApiKey;
    // A session opened with the root key ends when the key is removed or rotated.
    if (!rootKey || !session.rootKeyHash || !sameSecret(session.rootKeyHash, rootKeyHash(rootKey))) return undefined;
    return { principal: { ...ROOT_PRINCIPAL, via: 'session' }, expiresAt };
  }
  const operator = await access.operators.get(session.operatorId);
  if (!operator || operator.disabled) return undefined;
  return { principal: operatorPrincipal(operator, 'session'), expiresAt };
}

/** The principal of an API key: the deployment's root key (compared in constant time) or an operator's key. */
export async function keyPrincipal(
  config: ConfigStore,
  access: OperatorAccess,
  presented: string,
): Promise<Principal | undefined> {
  const rootKey = config.get().operatorApiKey;
  if (rootKey && sameSecret(presented, rootKey)) return ROOT_PRINCIPAL;
  const found = await access.operators.byApiKey(presented);
  return found ? operatorPrincipal(found.operator, 'key') : undefined;
}

export function presentedKey(req: Request): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
  return req.header('x-api-key') ?? bearer;
}

export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
}

/** Which accounts' admins may read an audit entry of this principal (when no account was acted on). */
export function principalScope(principal: Pick<Principal, 'accounts'>): string[] {
  return principal.accounts === 'all' ? [ALL_ACCOUNTS_SCOPE] : principal.accounts;
}

/**
 * Records the request in the audit log once its answer is sent: who, the method and route pattern
 * (`PUT /api/agents/:id`), the route's parameters as the target, the account, the status. Never the body.
 */
function auditWhenAnswered(req: Request, res: Response, access: OperatorAccess, log: Logger): void {
  res.once('finish', () => {
    const principal = res.locals.principal as Principal;
    const notes = auditNotes(res);
    if (notes.skip) return;
    const route = (req.route as { path?: unknown } | undefined)?.path;
    const path = typeof route === 'string' ? `/api${route}` : req.originalUrl.split('?')[0]!;
    const params = Object.values(req.params ?? {}).filter((v): v is string => typeof v === 'string');
    const target = notes.target ?? (params.length ? params.join('/') : undefined);
    void access.audit
      .record({
        operatorId: principal.operatorId,
        operatorName: principal.name,
        action: `${req.method} ${path}`,
        ...(target !== undefined ? { target } : {}),
        ...(notes.accountSid ? { accountSid: notes.accountSid } : {}),
        scope: notes.scope ?? (notes.accountSid ? [notes.accountSid] : principalScope(principal)),
        status: res.statusCode,
        via: principal.via,
        ...(req.ip ? { ip: req.ip } : {}),
      })
      .catch((error: unknown) => log.error({ err: error, path }, 'audit entry not recorded'));
  });
}

/**
 * `/api` authentication: an API key (`X-API-Key` or `Authorization: Bearer`: the root key or an
 * operator's), else the console's session cookie, whose unsafe requests must carry
 * `X-CSRF-Token`. Sets `res.locals.principal`; every authenticated unsafe request is audited.
 */
export function authenticate(config: ConfigStore, access: OperatorAccess, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    void (async () => {
      const key = presentedKey(req);
      const token = key === undefined ? cookieValue(req, SESSION_COOKIE) : undefined;
      if (key !== undefined) {
        const principal = await keyPrincipal(config, access, key);
        if (!principal) {
          res.status(401).json({ error: 'invalid API key', code: 'unauthenticated' });
          return;
        }
        res.locals.principal = principal;
      } else if (token !== undefined) {
        const session = await sessionPrincipal(config, access, token);
        if (!session) {
          clearSessionCookie(req, res);
          res.status(401).json({ error: 'session expired or signed out: sign in again', code: 'session_expired' });
          return;
        }
        res.locals.principal = session.principal;
        res.locals.sessionToken = token;
      } else {
        res.status(401).json({
          error: 'sign in (POST /api/session) or send an API key (X-API-Key or Authorization: Bearer)',
          code: 'unauthenticated',
        });
        return;
      }
      if (!isUnsafe(req.method)) return next();
      auditWhenAnswered(req, res, access, log);
      if (token !== undefined) {
        const csrf = req.header('x-csrf-token');
        if (!csrf || !sameSecret(csrf, csrfTokenOf(token))) {
          res.status(403).json({
            error: `${csrf ? 'wrong' : 'missing'} X-CSRF-Token header: a signed-in ${req.method} must send the csrfToken of GET /api/session`,
            code: 'csrf',
          });
          return;
        }
      }
      next();
    })().catch(next);
  };
}
