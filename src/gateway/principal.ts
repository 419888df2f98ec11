import type { NextFunction, Request, Response } from 'express';
import type { ConfigStore } from '../config/store';
import { ApiError } from './api-error';
import { auditNote } from './audit-context';

/** What an operator may do: `admin` changes agents, knowledge and settings; `agent` (a human agent) works conversations. */
export type OperatorRole = 'admin' | 'agent';

/** Who is calling the operator API, set by the authentication middleware on `res.locals.principal`. */
export interface Principal {
  /** `root`: the deployment's `OPERATOR_API_KEY` (every account, admin). `operator`: a person's credentials or API key. */
  kind: 'root' | 'operator';
  /** The operator's id (`op_…`), or `root`. */
  operatorId: string;
  name: string;
  role: OperatorRole;
  /** The accounts this principal sees: `all` (root) or the operator's account sids. */
  accounts: 'all' | string[];
  /** How the request was authenticated: an API key header, or the console's session cookie. */
  via: 'key' | 'session';
}

export const ROOT_PRINCIPAL: Principal = {
  kind: 'root',
  operatorId: 'root',
  name: 'operator API key',
  role: 'admin',
  accounts: 'all',
  via: 'key',
};

/** The authenticated principal of an operator-API request (the authentication middleware ran first). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('operator API handler reached without authentication');
  return principal;
}

/** Whether the principal may see data of this account. */
export function seesAccount(principal: Principal, accountSid: string | undefined): boolean {
  if (principal.accounts === 'all') return true;
  return accountSid !== undefined && principal.accounts.includes(accountSid);
}

/**
 * Throws 404 (not 403: another tenant's ids must not be confirmed to exist) when the principal may not
 * see a resource of this account.
 */
export function ensureVisible(res: Response, accountSid: string | undefined, what: string): void {
  if (!seesAccount(principalOf(res), accountSid)) throw new ApiError(404, `${what} not found`);
  if (accountSid !== undefined) auditNote(res, { accountSid });
}

/** The configured accounts this principal sees. */
export function visibleAccounts(config: ConfigStore, res: Response): string[] {
  const principal = principalOf(res);
  return config
    .get()
    .twilio.accounts.map((a) => a.accountSid)
    .filter((sid) => seesAccount(principal, sid));
}

/**
 * The account an operator request is about: the one named (which the principal must see), or the only
 * one the principal sees. With several and none named the request is ambiguous (customers are per account).
 */
export function scopedAccount(config: ConfigStore, res: Response, named: string | undefined): string {
  const accounts = visibleAccounts(config, res);
  const chosen = named ?? (accounts.length === 1 ? accounts[0] : undefined);
  if (named && !accounts.includes(named)) throw new ApiError(400, `accountSid: account ${named} is not configured`);
  if (!chosen) throw new ApiError(400, 'accountSid: required when more than one account is configured');
  auditNote(res, { accountSid: chosen });
  return chosen;
}

/** Middleware: only admins pass (403 with a clear message otherwise). */
export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (principalOf(res).role !== 'admin') {
    res.status(403).json({ error: `only an admin may ${req.method} ${req.baseUrl}${req.path}`, code: 'forbidden' });
    return;
  }
  next();
}
