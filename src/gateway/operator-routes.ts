import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { ApiKeyInfo, Operator } from '../operators/operator-store';
import type { AuditEntry, AuditList, CreatedApiKey, OperatorList, OperatorView } from './api-types';
import { auditNote } from './audit-context';
import { principalScope, type OperatorAccess } from './authentication';
import { ApiError, handle } from './operator-api';
import { principalOf, requireAdmin, type Principal } from './principal';

const AccountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)');
const Accounts = z.union([z.literal('all'), z.array(AccountSid).min(1, 'at least one account').max(1000)]);
const Email = z.string().trim().max(320).pipe(z.email('must be an email address'));
const Password = z.string().min(12, 'at least 12 characters').max(1024);
const Name = z.string().trim().min(1, 'required').max(200);

const CreateBody = z
  .object({
    email: Email,
    name: Name,
    role: z.enum(['admin', 'agent']),
    accounts: Accounts,
    /** Optional: an operator may use API keys only, or get a password later. */
    password: Password.optional(),
  })
  .strict();

const PatchBody = z
  .object({
    email: Email.optional(),
    name: Name.optional(),
    role: z.enum(['admin', 'agent']).optional(),
    accounts: Accounts.optional(),
    password: Password.optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });

const KeyBody = z
  .object({ name: z.string().trim().min(1).max(100).default('API key') })
  .strict()
  .prefault({});

const AuditQuery = z.object({
  operatorId: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(200).optional(),
  accountSid: AccountSid.optional(),
  cursor: z
    .string()
    .regex(/^aud_[0-9a-f]{24}$/, 'must be a nextCursor of an earlier page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const OperatorId = z.string().regex(/^op_[0-9a-f]{16}$/, 'must be an operator id (op_…)');

function idParam(value: unknown): string {
  const id = OperatorId.safeParse(value);
  if (!id.success) throw new ApiError(400, `operator id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  return id.data;
}

function keyJson(key: ApiKeyInfo) {
  return {
    keyId: key.keyId,
    name: key.name,
    createdAt: key.createdAt.toISOString(),
    ...(key.revokedAt ? { revokedAt: key.revokedAt.toISOString() } : {}),
  };
}

function operatorJson(operator: Operator, keys?: ApiKeyInfo[]): OperatorView {
  return {
    operatorId: operator.id,
    name: operator.name,
    email: operator.email,
    role: operator.role,
    accounts: operator.accounts,
    disabled: operator.disabled,
    createdAt: operator.createdAt.toISOString(),
    ...(keys ? { apiKeys: keys.map(keyJson) } : {}),
  };
}

/**
 * `/api/operators` (+ API keys) and `/api/audit`, for admins. An admin manages the operators whose
 * accounts are all among their own; only an admin of every account (the root key, or an operator of
 * `all`) gives operators `all` or manages operators of `all`; an admin of every configured account
 * gives any of them.
 */
export function operatorRoutes(deps: { config: ConfigStore; access: OperatorAccess; log: Logger }): Router {
  const router = Router();
  const { operators, audit } = deps.access;

  /** Whether the admin manages this operator: all of the operator's accounts are theirs. */
  function manages(principal: Principal, operator: Pick<Operator, 'accounts'>): boolean {
    if (principal.accounts === 'all') return true;
    const mine = principal.accounts;
    return operator.accounts !== 'all' && operator.accounts.every((sid) => mine.includes(sid));
  }

  /** Checks the accounts an admin gives an operator: configured, and theirs to give. */
  function checkAccounts(principal: Principal, accounts: 'all' | string[]): void {
    if (accounts === 'all') {
      if (principal.accounts !== 'all')
        throw new ApiError(
          403,
          'accounts: only an admin of all accounts (the root key) gives access to all accounts',
          'forbidden',
        );
      return;
    }
    const configured = deps.config.get().twilio.accounts.map((a) => a.accountSid);
    accounts.forEach((sid, i) => {
      const mine = principal.accounts === 'all' || principal.accounts.includes(sid);
      // Another tenant's account is "not configured" to this admin: its existence is not confirmed.
      if (!configured.includes(sid) || !mine)
        throw new ApiError(400, `accounts.${i}: account ${sid} is not configured`);
    });
  }

  /** The operator of the id, when this admin manages them (else 404, as if they did not exist). */
  async function managed(res: Response, id: string): Promise<Operator> {
    const operator = await operators.get(id);
    if (!operator || !manages(principalOf(res), operator)) throw new ApiError(404, `operator ${id} not found`);
    auditNote(res, { target: id, scope: principalScope(operator) });
    return operator;
  }

  router.get(
    '/operators',
    requireAdmin,
    handle(deps.log, async (_req, res) => {
      const principal = principalOf(res);
      const all = await operators.list();
      const body: OperatorList = { operators: all.filter((o) => manages(principal, o)).map((o) => operatorJson(o)) };
      res.json(body);
    }),
  );

  router.post(
    '/operators',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const body = CreateBody.parse(req.body ?? {});
      checkAccounts(principalOf(res), body.accounts);
      auditNote(res, { target: body.email, scope: principalScope(body) });
      const created = await operators.create(body);
      if (created === 'email-taken') throw new ApiError(409, `email: an operator with ${body.email} exists already`);
      auditNote(res, { target: created.id });
      res.status(201).location(`/api/operators/${created.id}`).json(operatorJson(created));
    }),
  );

  router.get(
    '/operators/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const operator = await managed(res, idParam(req.params.id));
      res.json(operatorJson(operator, await operators.apiKeys(operator.id)));
    }),
  );

  router.patch(
    '/operators/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const id = idParam(req.params.id);
      const body = PatchBody.parse(req.body ?? {});
      const principal = principalOf(res);
      await managed(res, id);
      if (body.accounts !== undefined) checkAccounts(principal, body.accounts);
      // An admin does not lock themselves out by accident (another admin or the root key can).
      if (
        id === principal.operatorId &&
        (body.role === 'agent' || body.disabled === true || body.accounts !== undefined)
      )
        throw new ApiError(409, 'you cannot change your own role, accounts or disable yourself');
      const updated = await operators.update(id, body);
      if (updated === 'email-taken') throw new ApiError(409, `email: an operator with ${body.email} exists already`);
      if (!updated) throw new ApiError(404, `operator ${id} not found`);
      res.json(operatorJson(updated));
    }),
  );

  router.delete(
    '/operators/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const id = idParam(req.params.id);
      await managed(res, id);
      if (id === principalOf(res).operatorId) throw new ApiError(409, 'you cannot delete yourself');
      if (!(await operators.remove(id))) throw new ApiError(404, `operator ${id} not found`);
      res.json({ operatorId: id, deleted: true });
    }),
  );

  router.post(
    '/operators/:id/api-keys',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const operator = await managed(res, idParam(req.params.id));
      const { name } = KeyBody.parse(req.body ?? {});
      const { apiKey, ...key } = await operators.createApiKey(operator.id, name);
      auditNote(res, { target: `${operator.id}/${key.keyId}` });
      const body: CreatedApiKey = { ...keyJson(key), apiKey };
      res.status(201).json(body);
    }),
  );

  router.delete(
    '/operators/:id/api-keys/:keyId',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const operator = await managed(res, idParam(req.params.id));
      const keyId = String(req.params.keyId);
      if (!/^key_[0-9a-f]{12}$/.test(keyId)) throw new ApiError(400, 'key id: must be a key id (key_…)');
      auditNote(res, { target: `${operator.id}/${keyId}` });
      if (!(await operators.revokeApiKey(operator.id, keyId)))
        throw new ApiError(404, `operator ${operator.id} has no key ${keyId}`);
      res.json({ keyId, revoked: true });
    }),
  );

  router.get(
    '/audit',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const query = AuditQuery.parse(req.query);
      const principal = principalOf(res);
      const page = await audit.list({
        scopes: principal.accounts === 'all' ? 'all' : principal.accounts,
        ...(query.operatorId ? { operatorId: query.operatorId } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.accountSid ? { accountSid: query.accountSid } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      const body: AuditList = {
        entries: page.entries.map((e): AuditEntry => ({
          id: e.id,
          at: e.at.toISOString(),
          operatorId: e.operatorId,
          operatorName: e.operatorName,
          action: e.action,
          ...(e.target !== undefined ? { target: e.target } : {}),
          ...(e.accountSid !== undefined ? { accountSid: e.accountSid } : {}),
          status: e.status,
          ...(e.via ? { via: e.via } : {}),
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
      res.json(body);
    }),
  );

  return router;
}
