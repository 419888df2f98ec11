import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { Logger } from '../observability/logger';
import { signalTakeover } from '../takeover/signal-takeover';
import type { TakeoverStore } from '../takeover/takeover-store';
import type { HumanReplyAccepted, TakeoverView } from './api-types';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, principalOf, seesAccount } from './principal';

export interface TakeoverRouteDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  takeovers: TakeoverStore;
  log: Logger;
}

const ListQuery = AccountQuery.extend({
  state: z.enum(['waiting', 'human']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const PauseBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
/** One SMS segment is 160 characters; Twilio takes up to 1600 per message. */
const ReplyBody = z.object({ text: z.string().trim().min(1, 'text: must not be empty').max(1600) }).strict();

/** The customer's account, or 404 when the customer is unknown or not the principal's to see. */
async function visibleCustomer(deps: TakeoverRouteDeps, res: Response, customerId: string): Promise<string> {
  const accountSid = await deps.identities.accountOf(customerId);
  if (!accountSid) throw new ApiError(404, `customer ${customerId} not found`);
  ensureVisible(res, accountSid, `customer ${customerId}`);
  return accountSid;
}

/** What the store says, or the agent's state when no one ever took the customer over. */
export async function takeoverOf(
  takeovers: TakeoverStore,
  customerId: string,
  accountSid: string,
): Promise<TakeoverView> {
  return (await takeovers.get(customerId)) ?? { customerId, accountSid, state: 'agent' };
}

/**
 * Human takeover (both roles): the waiting queue and the conversations people have, pause, reply as
 * the business, hand back. Commands go to the customer's workflow as signals (it may be idle or
 * ended: signalWithStart) and are answered 202; the workflow writes the state the GET routes read.
 */
export function takeoverRoutes(deps: TakeoverRouteDeps): Router {
  const router = Router();

  router.get(
    '/takeovers',
    handle(deps.log, async (req, res) => {
      const { accountSid, state, limit } = ListQuery.parse(req.query);
      const principal = principalOf(res);
      if (accountSid && !seesAccount(principal, accountSid)) throw new ApiError(404, `account ${accountSid} not found`);
      const accounts = accountSid ? [accountSid] : principal.accounts;
      res.json({ takeovers: await deps.takeovers.list({ accounts, limit, ...(state ? { state } : {}) }) });
    }),
  );

  router.get(
    '/customers/:id/takeover',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const accountSid = await visibleCustomer(deps, res, customerId);
      res.json(await takeoverOf(deps.takeovers, customerId, accountSid));
    }),
  );

  router.post(
    '/customers/:id/takeover',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const { reason } = PauseBody.parse(req.body ?? {});
      const accountSid = await visibleCustomer(deps, res, customerId);
      const { operatorId, name } = principalOf(res);
      await signalTakeover(deps.temporal, deps.config.get(), customerId, {
        kind: 'pause',
        accountSid,
        operatorId,
        operatorName: name,
        ...(reason ? { reason } : {}),
      });
      res.status(202).json({ customerId, requested: 'pause' });
    }),
  );

  router.delete(
    '/customers/:id/takeover',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const accountSid = await visibleCustomer(deps, res, customerId);
      const { operatorId, name } = principalOf(res);
      await signalTakeover(deps.temporal, deps.config.get(), customerId, {
        kind: 'handBack',
        accountSid,
        operatorId,
        operatorName: name,
      });
      res.status(202).json({ customerId, requested: 'hand_back' });
    }),
  );

  router.post(
    '/customers/:id/replies',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const { text } = ReplyBody.parse(req.body ?? {});
      const accountSid = await visibleCustomer(deps, res, customerId);
      const { operatorId, name } = principalOf(res);
      // A repeated request with the same Idempotency-Key gets this answer again (the middleware), not a second reply.
      const replyId = `hr_${randomUUID()}`;
      await signalTakeover(deps.temporal, deps.config.get(), customerId, {
        kind: 'reply',
        accountSid,
        operatorId,
        operatorName: name,
        replyId,
        text,
      });
      const accepted: HumanReplyAccepted = { replyId };
      res.status(202).json(accepted);
    }),
  );

  return router;
}
